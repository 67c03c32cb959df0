module github.com/kvdserver/kvd

go 1.26.8

require (
	github.com/tidwall/btree v1.8.2 // indirect
	github.com/tidwall/match v1.2.0 // indirect
	github.com/tidwall/redcon v1.6.4 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
