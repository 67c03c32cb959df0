package server

// publishNotification delivers a keyspace notification to the channel's
// and the matching patterns' subscribers (and to the test hook, if set).
func (s *Server) publishNotification(channel, message []byte) {
	if s.notifyHook != nil {
		s.notifyHook(channel, message)
	}
	s.publish(channel, message)
}
