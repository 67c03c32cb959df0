package server

import (
	"math"
	"math/rand/v2"
)

// LOLWUT [VERSION v] [arguments…]: computer art and the server's version,
// as Redis 7.0.15 draws it. Version 5 draws Georg Nees's "Schotter" in
// Braille characters, version 6 a city skyline in terminal colours; any
// other version (7.0.15's own included) prints the version line alone. The
// drawings' random parts (lower rows of squares, buildings) come from a
// random source of kvd's own, so like Redis's they differ from call to call;
// the deterministic parts are Redis's to the byte.

var lolwutCommands = []*Command{
	{Name: "lolwut", Proc: lolwutCommand},
}

func lolwutCommand(c *Ctx) {
	args := c.argv[1:]
	version := uint32(0) // Redis's own version, 7
	if len(c.argv) >= 3 && isOpt(c.argv[1], "version") {
		v, ok := c.intArg(c.argv[2])
		if !ok {
			return
		}
		// Redis prints the number as an unsigned int into "%u.0.0" and
		// looks at the text: only 5 and 6 pick a drawing.
		version = uint32(v)
		args = c.argv[3:]
	}
	switch version {
	case 5:
		lolwut5(c, args)
	case 6:
		lolwut6(c, args)
	default:
		c.replyVerbatim([]byte("Redis ver. " + RedisVersion + "\n"))
	}
}

// lolwutArgs parses up to len(defs) optional integer arguments, each
// clamped to [lo, hi], over the defaults; false if one is not an integer
// (the error is sent).
func lolwutArgs(c *Ctx, args [][]byte, defs []int64, lo int64, his []int64) ([]int64, bool) {
	out := append([]int64(nil), defs...)
	for i := range out {
		if i < len(args) {
			v, ok := c.intArg(args[i])
			if !ok {
				return nil, false
			}
			out[i] = v
		}
		out[i] = min(max(out[i], lo), his[i])
	}
	return out, true
}

// lwCanvas is a grid of pixels, each a colour (0 is "off" for Braille).
type lwCanvas struct {
	width, height int
	pixels        []byte
}

func newCanvas(width, height int, bg byte) *lwCanvas {
	c := &lwCanvas{width: width, height: height, pixels: make([]byte, width*height)}
	if bg != 0 {
		for i := range c.pixels {
			c.pixels[i] = bg
		}
	}
	return c
}

// set colours pixel (x, y); pixels off the canvas are ignored.
func (cv *lwCanvas) set(x, y int, color byte) {
	if x >= 0 && x < cv.width && y >= 0 && y < cv.height {
		cv.pixels[x+y*cv.width] = color
	}
}

// get returns pixel (x, y)'s colour, 0 off the canvas.
func (cv *lwCanvas) get(x, y int) byte {
	if x >= 0 && x < cv.width && y >= 0 && y < cv.height {
		return cv.pixels[x+y*cv.width]
	}
	return 0
}

// line draws a line with Bresenham's algorithm.
func (cv *lwCanvas) line(x1, y1, x2, y2 int, color byte) {
	dx, dy := x2-x1, y2-y1
	if dx < 0 {
		dx = -dx
	}
	if dy < 0 {
		dy = -dy
	}
	sx, sy := -1, -1
	if x1 < x2 {
		sx = 1
	}
	if y1 < y2 {
		sy = 1
	}
	err := dx - dy
	for {
		cv.set(x1, y1, color)
		if x1 == x2 && y1 == y2 {
			return
		}
		e2 := err * 2
		if e2 > -dy {
			err -= dy
			x1 += sx
		}
		if e2 < dx {
			err += dx
			y1 += sy
		}
	}
}

// square draws a square centred on (x, y) with the given side, rotated by
// angle: its corners lie on a circle, a quarter turn apart. The arithmetic
// is single precision where Redis's is (float variables), so that the same
// corners come out.
func (cv *lwCanvas) square(x, y int, side, angle float32, color byte) {
	size := float32(float64(side) / 1.4142135623)
	size = float32(math.Round(float64(size)))
	var px, py [4]int
	k := float32(math.Pi/4 + float64(angle))
	for j := range 4 {
		px[j] = int(math.Round(math.Sin(float64(k))*float64(size) + float64(x)))
		py[j] = int(math.Round(math.Cos(float64(k))*float64(size) + float64(y)))
		k = float32(float64(k) + math.Pi/2)
	}
	for j := range 4 {
		cv.line(px[j], py[j], px[(j+1)%4], py[(j+1)%4], color)
	}
}

// lolwut5 is LOLWUT VERSION 5 [columns] [squares-per-row] [squares-per-col]
// (66, 8, 12 by default): Schotter, rows of squares that turn and shift more
// the lower they are, drawn in Braille (2x4 pixels a character).
func lolwut5(c *Ctx, args [][]byte) {
	v, ok := lolwutArgs(c, args, []int64{66, 8, 12}, 1, []int64{1000, 200, 200})
	if !ok {
		return
	}
	cols, perRow, perCol := int(v[0]), int(v[1]), int(v[2])
	width := cols * 2
	padding := 0
	if width > 4 {
		padding = 2
	}
	side := float32(width-padding*2) / float32(perRow)
	height := int(side*float32(perCol) + float32(padding*2))
	cv := newCanvas(width, height, 0)
	r := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	for y := 0; y < perCol; y++ {
		for x := 0; x < perRow; x++ {
			sx := int(float32(x)*side + side/2 + float32(padding))
			sy := int(float32(y)*side + side/2 + float32(padding))
			var angle float32
			if y > 1 {
				// Redis's r = rand()/RAND_MAX/squares_per_col*y, with a
				// random sign.
				rv := func() float32 { return r.Float32() / float32(perCol) * float32(y) }
				r1, r2, r3 := rv(), rv(), rv()
				if r.IntN(2) == 1 {
					r1 = -r1
				}
				if r.IntN(2) == 1 {
					r2 = -r2
				}
				if r.IntN(2) == 1 {
					r3 = -r3
				}
				angle = r1
				sx = int(float32(sx) + r2*side/3)
				sy = int(float32(sy) + r3*side/3)
			}
			cv.square(sx, sy, side, angle, 1)
		}
	}
	out := renderBraille(cv)
	out = append(out, "\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. "+RedisVersion+"\n"...)
	c.replyVerbatim(out)
}

// renderBraille renders cv with a Braille character for each 2x4 block of
// pixels (dots 1-2-3-7 down the left column, 4-5-6-8 down the right), rows
// of characters separated by newlines, as Redis does (which also ends the
// last row with one unless the canvas's last pixel row starts a block).
func renderBraille(cv *lwCanvas) []byte {
	var out []byte
	for y := 0; y < cv.height; y += 4 {
		for x := 0; x < cv.width; x += 2 {
			bits := 0
			for i, p := range [8][2]int{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}, {0, 3}, {1, 3}} {
				if cv.get(x+p[0], y+p[1]) != 0 {
					bits |= 1 << i
				}
			}
			out = append(out, string(rune(0x2800+bits))...)
		}
		if y != cv.height-1 {
			out = append(out, '\n')
		}
	}
	return out
}

// lolwut6 is LOLWUT VERSION 6 [columns] [rows] (80, 20 by default): a
// skyline of buildings in three greys on white, the nearest with windows,
// drawn with terminal colour escapes, one space a pixel.
func lolwut6(c *Ctx, args [][]byte) {
	v, ok := lolwutArgs(c, args, []int64{80, 20}, 1, []int64{1000, 1000})
	if !ok {
		return
	}
	cv := newCanvas(int(v[0]), int(v[1]), 3)
	r := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	skyline(cv, r)
	out := renderColors(cv)
	out = append(out, "\nDedicated to the 8 bit game developers of past and present.\n"+
		"Original 8 bit image from Plaguemon by hikikomori. Redis ver. "+RedisVersion+"\n"...)
	c.replyVerbatim(out)
}

// renderColors renders cv with a coloured space for each pixel: black,
// two greys and white (foreground and background both set).
func renderColors(cv *lwCanvas) []byte {
	var out []byte
	for y := 0; y < cv.height; y++ {
		for x := 0; x < cv.width; x++ {
			esc := "0;30;40m"
			switch cv.get(x, y) {
			case 1:
				esc = "0;90;100m"
			case 2:
				esc = "0;37;47m"
			case 3:
				esc = "0;97;107m"
			}
			out = append(out, "\x1b["...)
			out = append(out, esc...)
			out = append(out, " \x1b[0m"...)
		}
		if y != cv.height-1 {
			out = append(out, '\n')
		}
	}
	return out
}

// building is one skyscraper of the skyline.
type building struct {
	xoff, width, height int
	windows             bool
	color               byte
}

// draw draws b standing on the canvas's bottom row: its roof two pixels
// narrower on each side, and, if it has windows, two-pixel-wide windows
// of a random other grey on every other row inside its walls.
func (b building) draw(cv *lwCanvas, r *rand.Rand) {
	bottom := cv.height - 1
	top := bottom - b.height + 1
	for y := bottom; y >= top; y-- {
		for x := b.xoff; x < b.xoff+b.width; x++ {
			if y == top && (x <= b.xoff+1 || x >= b.xoff+b.width-2) {
				continue
			}
			color := b.color
			if b.windows && x > b.xoff+1 && x < b.xoff+b.width-2 && y > top+1 && y < bottom-1 {
				relx, rely := x-(b.xoff+1), y-(top+1)
				if relx/2%2 != 0 && rely%2 != 0 {
					for color == b.color {
						color = byte(1 + r.IntN(2))
					}
					if relx%2 != 0 {
						color = cv.get(x-1, y)
					}
				}
			}
			cv.set(x, y, color)
		}
	}
}

// skyline draws two layers of window-less background buildings (light
// grey behind darker grey), then black foreground buildings with windows.
func skyline(cv *lwCanvas, r *rand.Rand) {
	h := cv.height
	for color := byte(2); color >= 1; color-- {
		for off := -10; off < cv.width; {
			off += r.IntN(8)
			b := building{xoff: off, width: 10 + r.IntN(9), color: color}
			if color == 2 {
				b.height = h/2 + r.IntN(h)/2
			} else {
				b.height = h/2 + r.IntN(h)/3
			}
			b.draw(cv, r)
			if color == 2 {
				off += b.width / 2
			} else {
				off += b.width + 1
			}
		}
	}
	for off := -10; off < cv.width; {
		off += r.IntN(8)
		b := building{xoff: off, width: 5 + r.IntN(14), windows: true}
		if b.width%4 != 0 {
			b.width += b.width % 3
		}
		b.height = h/3 + r.IntN(h)/2
		b.draw(cv, r)
		off += b.width + 5
	}
}
