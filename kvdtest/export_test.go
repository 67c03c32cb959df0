package kvdtest_test

import "github.com/kvdserver/kvd/server"

type serverConfig = server.Config
