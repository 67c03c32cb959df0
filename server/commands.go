package server

// commandFamilies lists every command family's table, each declared at the
// top of its cmd_<family>.go file.
var commandFamilies = [][]*Command{
	connectionCommands,
	stringCommands,
	keyCommands,
	serverCommands,
	hashCommands,
	listCommands,
	bitmapCommands,
	hllCommands,
	setCommands,
	zsetCommands,
	geoCommands,
	sortCommands,
	multiCommands,
	aclCommandTable,
	dumpCommands,
	pubsubCommands,
	monitorCommands,
	scriptCommands,
	lolwutCommands,
	saveCommands,
	functionCommands,
	slowlogCommands,
	latencyCommands,
	memoryCommands,
	streamCommands,
	replCommands,
}
