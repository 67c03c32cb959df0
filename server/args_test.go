package server

import "testing"

func TestAtoi(t *testing.T) {
	tests := []struct {
		in   string
		want int32
	}{
		{"0", 0}, {"12", 12}, {"-12", -12}, {"+7", 7}, {"  \t42", 42}, {"42abc", 42}, {"abc", 0}, {"", 0}, {"-", 0},
		{"2147483647", 2147483647}, {"2147483648", -2147483648}, {"4294967297", 1},
		// strtol clamps to the long range before the conversion to int.
		{"9223372036854775807", -1}, {"99999999999999999999", -1}, {"-9223372036854775808", 0}, {"-99999999999999999999", 0},
		{"1\x002", 1},
	}
	for _, tt := range tests {
		if got := atoi([]byte(tt.in)); got != tt.want {
			t.Errorf("atoi(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
