package server

import (
	"slices"
	"testing"
)

// TestParseSavePoints checks "save" values as Redis's setConfigSaveOption
// takes them.
func TestParseSavePoints(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []SavePoint
		err  bool
	}{
		{in: "", want: nil},
		{in: "3600 1 300 100 60 10000", want: []SavePoint{{3600, 1}, {300, 100}, {60, 10000}}},
		{in: "  1   0 ", want: []SavePoint{{1, 0}}},
		{in: "+5 +6", want: []SavePoint{{5, 6}}},
		{in: "99999999999999999999 1", want: []SavePoint{{9223372036854775807, 1}}},
		{in: "1", err: true},
		{in: "1 2 3", err: true},
		{in: "0 1", err: true},
		{in: "1 -1", err: true},
		{in: "a b", err: true},
		{in: "1.5 2", err: true},
	} {
		got, err := parseSavePoints(tt.in)
		if (err != nil) != tt.err || !slices.Equal(got, tt.want) {
			t.Errorf("parseSavePoints(%q) = %v, %v; want %v (error %v)", tt.in, got, err, tt.want, tt.err)
		}
		if err == nil {
			if back, _ := parseSavePoints(formatSavePoints(got)); !slices.Equal(back, got) {
				t.Errorf("%q: format/parse round trip gives %v", tt.in, back)
			}
		}
	}
	if s := formatSavePoints(DefaultSavePoints); s != "3600 1 300 100 60 10000" {
		t.Errorf("default save points shown as %q", s)
	}
}

// FuzzParseSavePoints checks that any value parses or is refused with
// Redis's error, and that what parses shows back as an equal value.
func FuzzParseSavePoints(f *testing.F) {
	for _, s := range []string{"", "3600 1 300 100 60 10000", "1 0", "0 1", "1 2 3", "+1 -0", "9999999999999999999999 1", "\t1\n2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		pts, err := parseSavePoints(v)
		if err != nil {
			if err != errSaveParams {
				t.Fatalf("%q: error %v", v, err)
			}
			return
		}
		for _, sp := range pts {
			if sp.Seconds < 1 || sp.Changes < 0 {
				t.Fatalf("%q: save point %v", v, sp)
			}
		}
		if back, err := parseSavePoints(formatSavePoints(pts)); err != nil || !slices.Equal(back, pts) {
			t.Fatalf("%q: round trip %v, %v", v, back, err)
		}
	})
}
