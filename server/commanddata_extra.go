package server

// commandDataExtra describes the commands kvd has that Redis 7.0.15 lacks,
// which the generator therefore cannot fetch: CLIENT SETINFO and CLIENT
// NO-TOUCH, added in Redis 7.2 (client libraries send SETINFO when they
// connect). The facts are Redis 7.2's (src/commands/client-setinfo.json and
// client-no-touch.json), in the form COMMAND INFO and DOCS give them.
var commandDataExtra = map[string]*commandMeta{
	"client|setinfo": {
		Name:          "client|setinfo",
		Arity:         4,
		Flags:         []string{"noscript", "loading", "stale"},
		ACLCategories: []string{"@slow", "@connection"},
		Summary:       "Sets information specific to the client or connection.",
		Since:         "7.2.0",
		Group:         "connection",
		Complexity:    "O(1)",
		Arguments: []commandArg{
			{
				Name: "attr",
				Type: "oneof",
				Arguments: []commandArg{
					{Name: "libname", Type: "string", Token: "lib-name"},
					{Name: "libver", Type: "string", Token: "lib-ver"},
				},
			},
		},
	},
	"client|no-touch": {
		Name:          "client|no-touch",
		Arity:         3,
		Flags:         []string{"noscript", "loading", "stale"},
		ACLCategories: []string{"@slow", "@connection"},
		Summary:       "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.",
		Since:         "7.2.0",
		Group:         "connection",
		Complexity:    "O(1)",
		Arguments: []commandArg{
			{
				Name: "enabled",
				Type: "oneof",
				Arguments: []commandArg{
					{Name: "on", Type: "pure-token", Token: "ON"},
					{Name: "off", Type: "pure-token", Token: "OFF"},
				},
			},
		},
	},
}
