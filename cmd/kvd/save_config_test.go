package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kvdserver/kvd/server"
)

func sp(seconds, changes int64) server.SavePoint {
	return server.SavePoint{Seconds: seconds, Changes: changes}
}

// TestSavePointsConfig checks how kvd, like redis-server, decides its save
// points: Redis's defaults when nothing sets them; the first "save" line
// (config file or command line) replaces the defaults, later ones add to
// it, and save "" clears what came before.
func TestSavePointsConfig(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		file string
		args []string
		want []server.SavePoint
	}{
		{"", nil, server.DefaultSavePoints},
		{"port 0\n", nil, server.DefaultSavePoints},
		{"save 900 1\n", nil, []server.SavePoint{sp(900, 1)}},
		{"save 900 1\nsave 300 10 60 10000\n", nil, []server.SavePoint{sp(900, 1), sp(300, 10), sp(60, 10000)}},
		{"save 900 1\nsave \"\"\n", nil, nil},
		{"save \"\"\nsave 5 5\n", nil, []server.SavePoint{sp(5, 5)}},
		{"save 900 1\n", []string{"--save", "10", "2"}, []server.SavePoint{sp(900, 1), sp(10, 2)}},
		{"", []string{"--save", ""}, nil},
		{"", []string{"--save", "7", "1"}, []server.SavePoint{sp(7, 1)}},
	} {
		var args []string
		if tt.file != "" {
			conf := filepath.Join(dir, "kvd.conf")
			if err := os.WriteFile(conf, []byte(tt.file), 0o644); err != nil {
				t.Fatal(err)
			}
			args = append(args, conf)
		}
		args = append(args, tt.args...)
		cfg, err := loadConfig(args, strings.NewReader(""))
		if err != nil {
			t.Fatalf("%q %v: %v", tt.file, tt.args, err)
		}
		if !slices.Equal(cfg.SavePoints, tt.want) {
			t.Errorf("%q %v: save points %v, want %v", tt.file, tt.args, cfg.SavePoints, tt.want)
		}
	}
	if _, err := loadConfig([]string{"--save", "0", "1"}, strings.NewReader("")); err == nil || !strings.Contains(err.Error(), "Invalid save parameters") {
		t.Errorf("--save 0 1: %v", err)
	}
}
