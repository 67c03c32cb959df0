package server

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// errorCode matches a string literal that begins like an error reply:
// Redis's error codes followed by a space (or, for a raw reply, a '-').
var errorCode = regexp.MustCompile(`^-?(ERR|WRONGTYPE|WRONGPASS|NOAUTH|NOPROTO|NOPERM|INVALIDOBJ|BUSYKEY|EXECABORT|NOSCRIPT|OOM|LOADING|READONLY|MISCONF|NOREPLICAS|UNBLOCKED|NOGROUP|BUSYGROUP) `)

// errorMsgFuncs are the functions whose argument is the text of an error
// reply, or a CONFIG SET failure reason that becomes part of one.
var errorMsgFuncs = map[string]bool{
	"replyError":  true,
	"intArgMsg":   true,
	"rangeArg":    true,
	"dbIndexArg":  true,
	"configError": true,
}

// errorLiterals reports, as "file:line: text", the error reply texts that
// src spells out as literals: a string literal (other than "") given to one
// of errorMsgFuncs, directly or as part of a concatenation, or any string
// literal that starts with an error code. A literal inside a call in the
// argument, such as errWrongArgs("ping"), is an argument of a builder and
// is allowed.
func errorLiterals(filename string, src any) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, 0)
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", filename, err)
	}
	var found []string
	seen := map[token.Pos]bool{}
	report := func(lit *ast.BasicLit, why string) {
		if seen[lit.Pos()] {
			return
		}
		seen[lit.Pos()] = true
		found = append(found, fmt.Sprintf("%s: %s %s", fset.Position(lit.Pos()), why, lit.Value))
	}
	// concatenated walks a string expression through + and parentheses,
	// but not into calls.
	var concatenated func(e ast.Expr, name string)
	concatenated = func(e ast.Expr, name string) {
		switch e := e.(type) {
		case *ast.BasicLit:
			if e.Kind == token.STRING && e.Value != `""` {
				report(e, "literal passed to "+name+":")
			}
		case *ast.BinaryExpr:
			concatenated(e.X, name)
			concatenated(e.Y, name)
		case *ast.ParenExpr:
			concatenated(e.X, name)
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			var name string
			switch fn := n.Fun.(type) {
			case *ast.Ident:
				name = fn.Name
			case *ast.SelectorExpr:
				name = fn.Sel.Name
			}
			if errorMsgFuncs[name] {
				for _, a := range n.Args {
					concatenated(a, name)
				}
			}
		case *ast.BasicLit:
			if n.Kind == token.STRING {
				if s, err := strconv.Unquote(n.Value); err == nil && errorCode.MatchString(s) {
					report(n, "error text outside errors.go:")
				}
			}
		}
		return true
	})
	return found, nil
}

// TestErrorLiteralsDetected checks that errorLiterals finds the forms of an
// inline error text and lets the named ones pass.
func TestErrorLiteralsDetected(t *testing.T) {
	tests := []struct {
		name string
		body string
		bad  int
	}{
		{"literal reply", `c.replyError("ERR no")`, 1},
		{"concatenated reply", `c.replyError("ERR no '" + string(x) + "'")`, 2},
		{"parenthesized", `c.replyError(("oops"))`, 1},
		{"message argument", `c.intArgMsg(b, "ERR Invalid client ID")`, 1},
		{"range message", `c.rangeArg(b, 0, 1, "ERR COUNT can't be negative")`, 1},
		{"config reason", `_ = configError("duplicate parameter")`, 1},
		{"raw error", `w([]byte("-ERR max number of clients reached\r\n"))`, 1},
		{"error text elsewhere", `s := "WRONGTYPE Operation"; _ = s`, 1},
		{"named constant", `c.replyError(errSyntax)`, 0},
		{"builder", `c.replyError(errWrongArgs("ping"))`, 0},
		{"empty default", `dbIndexArg(c, b, "")`, 0},
		{"help line", `_ = "ERROR <string>"`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "package server\nfunc f() {\n" + tt.body + "\n}\n"
			got, err := errorLiterals("snippet.go", src)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.bad {
				t.Errorf("found %d, want %d: %q", len(got), tt.bad, got)
			}
		})
	}
}

// TestErrorTextsInOneFile holds the rule that every error reply text of the
// server lives in errors.go: command code names them.
func TestErrorTextsInOneFile(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		if file == "errors.go" || strings.HasSuffix(file, "_test.go") {
			continue
		}
		found, err := errorLiterals(file, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range found {
			t.Errorf("%s (move it to errors.go as a named constant or builder)", f)
		}
	}
}
