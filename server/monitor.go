package server

// monitorState holds the MONITOR clients.
type monitorState struct {
	clients []*Client
}

// monitorCommands is MONITOR.
var monitorCommands = []*Command{}

// monitorFree stops c monitoring.
func (s *Server) monitorFree(c *Client) {
	if c.flags&flagMonitor == 0 {
		return
	}
	c.flags &^= flagMonitor
	for i, m := range s.mon.clients {
		if m == c {
			s.mon.clients = append(s.mon.clients[:i], s.mon.clients[i+1:]...)
			break
		}
	}
}
