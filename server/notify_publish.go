package server

// publishNotification delivers a keyspace notification. Until pub/sub
// lands it only reaches the test hook.
func (s *Server) publishNotification(channel, message []byte) {
	if s.notifyHook != nil {
		s.notifyHook(channel, message)
	}
}
