package server

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kvdserver/kvd/resp"
)

// aclState is a server's users and ACL log.
type aclState struct {
	users       map[string]*aclUser
	defaultUser *aclUser // the same object for the server's life: clients point at it
	log         []*aclLogEntry
}

// ACL log contexts.
const (
	aclCtxToplevel = iota
	aclCtxMulti
	aclCtxLua
)

// aclLogEntry is one ACL LOG entry.
type aclLogEntry struct {
	count    int64
	reason   aclResult
	context  int
	object   string
	username string
	ctime    int64 // unix ms of the last occurrence
	cinfo    string
}

// aclLogGrouping is how close in time (ms) two similar denials must be to
// count in one entry.
const aclLogGrouping = 60000

// pubsubDefault is the selector flag acl-pubsub-default gives new users.
func (s *Server) pubsubDefault() uint8 {
	if s.cfg.ACLPubsubDefault == "allchannels" {
		return selAllChannels
	}
	return 0
}

// newDefaultUser makes the default user: every permission, no password.
func (s *Server) newDefaultUser() *aclUser {
	t := aclCommands()
	u := newUser(defaultUser, s.pubsubDefault())
	for _, op := range []string{"+@all", "~*", "&*", "on", "nopass"} {
		u.set(t, op, s.pubsubDefault())
	}
	return u
}

// initACL creates the default user and the users of the configuration:
// "user" directives, then the ACL file, which may not both be given.
func (s *Server) initACL() error {
	s.acl.users = map[string]*aclUser{}
	s.acl.defaultUser = s.newDefaultUser()
	s.acl.users[defaultUser] = s.acl.defaultUser
	s.setDefaultPassword(s.cfg.RequirePass)
	if s.cfg.ACLFile != "" && len(s.cfg.Users) > 0 {
		return fmt.Errorf("kvd: %s", errACLAndFile)
	}
	t := aclCommands()
	for _, line := range s.cfg.Users {
		name := line[0]
		if hasSpaces(name) {
			return fmt.Errorf("kvd: Spaces not allowed in ACL usernames")
		}
		u := s.acl.users[name]
		if u == nil {
			u = newUser(name, s.pubsubDefault())
			s.acl.users[name] = u
		} else {
			u.set(t, "reset", s.pubsubDefault())
		}
		for _, op := range line[1:] {
			if e := u.set(t, op, s.pubsubDefault()); e != aclErrNone {
				return fmt.Errorf("kvd: Error loading ACL rule '%s' for the user named '%s': %s", op, name, aclRuleErrorText(e))
			}
		}
		if u.flags&userOff != 0 {
			s.logf(levelNotice, "The user '%s' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.", name)
		}
	}
	if s.cfg.ACLFile != "" {
		if errs := s.loadACLFile(); errs != "" {
			return fmt.Errorf("kvd: Aborting Redis startup because of ACL errors: %s", errs)
		}
	}
	return nil
}

// setDefaultPassword makes requirepass the default user's one password,
// or gives it none (nopass) when empty, as Redis's requirepass does.
func (s *Server) setDefaultPassword(pass string) {
	t := aclCommands()
	u := s.acl.defaultUser
	u.set(t, "resetpass", 0)
	if pass != "" {
		u.set(t, ">"+pass, 0)
	} else {
		u.set(t, "nopass", 0)
	}
}

// user returns the user a client is authenticated as (the default user
// for a client that is not).
func (c *Client) aclUser() *aclUser {
	if c.user == nil {
		return c.srv.acl.defaultUser
	}
	return c.user
}

// addACLLog records a denial in the ACL log, merging it with a similar
// recent entry. object and username override the ones derived from the
// client and the reason when not empty.
func (s *Server) addACLLog(c *Client, reason aclResult, context int, argPos int, username, object string) {
	e := &aclLogEntry{count: 1, reason: reason, context: context, ctime: time.Now().UnixMilli()}
	e.username = username
	if e.username == "" {
		e.username = c.aclUser().name
	}
	e.object = object
	if object == "" {
		switch reason {
		case aclDeniedCmd:
			if c.lastCmd != nil {
				e.object = c.lastCmd.fullName
			}
		case aclDeniedKey, aclDeniedChannel:
			if argPos < len(c.argv) {
				e.object = string(c.argv[argPos])
			}
		case aclDeniedAuth:
			e.object = string(c.argv[0])
		}
	}
	e.cinfo = c.infoString()
	for i, cur := range s.acl.log[:min(10, len(s.acl.log))] {
		d := cur.ctime - e.ctime
		if d < 0 {
			d = -d
		}
		if cur.reason == e.reason && cur.context == e.context && d <= aclLogGrouping &&
			cur.object == e.object && cur.username == e.username {
			cur.cinfo, cur.ctime = e.cinfo, e.ctime
			cur.count++
			copy(s.acl.log[1:i+1], s.acl.log[:i])
			s.acl.log[0] = cur
			return
		}
	}
	s.acl.log = append(s.acl.log, nil)
	copy(s.acl.log[1:], s.acl.log)
	s.acl.log[0] = e
	if n := s.cfg.ACLLogMaxLen; len(s.acl.log) > n {
		clear(s.acl.log[n:])
		s.acl.log = s.acl.log[:n]
	}
}

// aclLogObject is the object an ACL LOG entry names for a denial: the
// command, or the key or channel refused.
func aclLogObject(res aclResult, cmd *cmdState, argv [][]byte, pos int) string {
	if res == aclDeniedCmd {
		return cmd.fullName
	}
	if pos < len(argv) {
		return string(argv[pos])
	}
	return ""
}

// aclDeny handles a command the ACLs refuse: logged, counted, and
// rejected with Redis's NOPERM error.
func (s *Server) aclDeny(c *Client, cmd *cmdState, res aclResult, pos int) {
	ctx := aclCtxToplevel
	if c.inMulti() {
		ctx = aclCtxMulti
	}
	s.addACLLog(c, res, ctx, pos, "", "")
	s.reject(c, cmd, errNoPerm(res, cmd.fullName))
}

// dropUserClients disconnects the clients authenticated as u (deleted, or
// replaced by ACL LOAD); the calling client is closed once its reply is
// written.
func (s *Server) dropUserClients(u *aclUser, current *Client) {
	for _, cl := range s.clientList() {
		if cl.user != u {
			continue
		}
		cl.user = s.acl.defaultUser
		cl.flags &^= flagAuthenticated
		if cl == current {
			cl.flags |= flagCloseAfterReply
		} else {
			cl.close()
		}
	}
}

// loadACLFile replaces the users with those of the ACL file. On any
// error nothing changes and the errors are returned, one sentence each,
// as Redis's ACLLoadFromFile reports them.
func (s *Server) loadACLFile() string {
	data, err := os.ReadFile(s.cfg.ACLFile)
	if err != nil {
		msg := err.Error()
		if pe, ok := err.(*os.PathError); ok {
			msg = capitalizeErrno(pe.Err.Error())
		}
		return fmt.Sprintf("Error loading ACLs, opening file '%s': %s", s.cfg.ACLFile, msg)
	}
	t := aclCommands()
	users := map[string]*aclUser{}
	var errs strings.Builder
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.Trim(line, " \t\r\n")
		if line == "" {
			continue
		}
		argv := strings.Split(line, " ")
		var args []string
		for _, a := range argv {
			if a != "" {
				args = append(args, a)
			}
		}
		if len(args) == 0 {
			continue
		}
		if args[0] != "user" || len(args) < 2 {
			fmt.Fprintf(&errs, "%s:%d should start with user keyword followed by the username. ", s.cfg.ACLFile, i+1)
			continue
		}
		if hasSpaces(args[1]) {
			fmt.Fprintf(&errs, "'%s:%d: username '%s' contains invalid characters. ", s.cfg.ACLFile, i+1, args[1])
			continue
		}
		if users[args[1]] != nil {
			fmt.Fprintf(&errs, "WARNING: Duplicate user '%s' found on line %d. ", args[1], i+1)
			continue
		}
		u := newUser(args[1], s.pubsubDefault())
		users[args[1]] = u
		merged, bad := mergeSelectorArgs(args[2:])
		if bad >= 0 {
			fmt.Fprintf(&errs, "%s:%d: Unmatched parenthesis in selector definition.", s.cfg.ACLFile, i+1)
		}
		for _, op := range merged {
			if e := u.set(t, strings.Trim(op, "\t\r\n"), s.pubsubDefault()); e != aclErrNone {
				fmt.Fprintf(&errs, "%s:%d: Error in applying operation '%s': %s. ", s.cfg.ACLFile, i+1, op, aclRuleErrorText(e))
			}
		}
	}
	if errs.Len() > 0 {
		errs.WriteString("WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
		return errs.String()
	}
	// The default user object stays: clients and the configuration point
	// at it. Every other user is replaced, and its clients dropped.
	nd := users[defaultUser]
	if nd == nil {
		nd = s.newDefaultUser()
	}
	s.acl.defaultUser.copyFrom(nd)
	for name, old := range s.acl.users {
		if name != defaultUser {
			s.dropUserClients(old, nil)
		}
	}
	users[defaultUser] = s.acl.defaultUser
	s.acl.users = users
	return ""
}

// capitalizeErrno turns Go's "no such file or directory" into strerror's
// "No such file or directory".
func capitalizeErrno(msg string) string {
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// sortedUsers returns the users by name, in Redis's (byte) order.
func (s *Server) sortedUsers() []*aclUser {
	users := make([]*aclUser, 0, len(s.acl.users))
	for _, u := range s.acl.users {
		users = append(users, u)
	}
	sort.Slice(users, func(i, j int) bool { return users[i].name < users[j].name })
	return users
}

// aclFileText is what ACL SAVE writes: one "user" line per user.
func (s *Server) aclFileText() []byte {
	var b bytes.Buffer
	t := aclCommands()
	for _, u := range s.sortedUsers() {
		b.WriteString("user " + u.name + " " + u.describe(t) + "\n")
	}
	return b.Bytes()
}

// saveACLFile writes the users to the ACL file through a temporary file
// renamed over it.
func (s *Server) saveACLFile() error {
	tmp := s.cfg.ACLFile + ".tmp-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixMilli(), 10)
	if err := os.WriteFile(tmp, s.aclFileText(), 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing ACL file for ACL SAVE: %w", err)
	}
	if err := os.Rename(tmp, s.cfg.ACLFile); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("renaming ACL file for ACL SAVE: %w", err)
	}
	return nil
}

// parseUserDirective checks a "user <name> rules..." config line as
// Redis's ACLAppendUserForLoading does (unknown commands pass: they are
// reported when the users are created) and returns its merged words.
func parseUserDirective(v string, seen [][]string) ([]string, error) {
	args, err := resp.SplitArgs(v)
	if err != nil || len(args) < 1 {
		return nil, errWrongArgCount
	}
	for _, u := range seen {
		if u[0] == args[0] {
			return nil, configError(errUserDeclaration(args[0], aclErrDuplicate))
		}
	}
	merged, bad := mergeSelectorArgs(args[1:])
	if bad >= 0 {
		return nil, configError(errUserDeclaration(args[1+bad], aclErrSyntax))
	}
	t := aclCommands()
	fake := newUser("__fake__", 0)
	for _, op := range merged {
		if e := fake.set(t, op, 0); e != aclErrNone && e != aclErrUnknown {
			return nil, configError(errUserDeclaration(op, e))
		}
	}
	return append([]string{args[0]}, merged...), nil
}
