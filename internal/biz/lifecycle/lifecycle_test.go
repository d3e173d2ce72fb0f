package lifecycle

import (
	"errors"
	"slices"
	"testing"
)

type light string

const (
	red    light = "red"
	green  light = "green"
	yellow light = "yellow"
	off    light = "off"
)

var lights = New("light", []light{red, green, yellow, off}, map[light][]light{
	red:    {green, off},
	green:  {yellow},
	yellow: {red},
})

func TestTable(t *testing.T) {
	if bad := Walk(lights, map[light][]light{red: {green, off}, green: {yellow}, yellow: {red}}); len(bad) > 0 {
		t.Errorf("walk: %v", bad)
	}
	// Walk itself must notice a table that differs from what is documented.
	if bad := Walk(lights, map[light][]light{red: {green}, green: {yellow, red}, yellow: {red}}); len(bad) != 2 {
		t.Errorf("walk of a wrong expectation found %v, want 2 differences", bad)
	}
	s := green
	err := lights.Move(&s, off)
	var te *TransitionError
	if !errors.As(err, &te) || !errors.Is(err, ErrRefused) || s != green ||
		*te != (TransitionError{Entity: "light", From: "green", To: "off"}) {
		t.Errorf("green → off = %v (state %s)", err, s)
	}
	if got := err.Error(); got != "light is green: cannot move to off" {
		t.Errorf("message %q", got)
	}
	if got := lights.Refuse(off, "blink").Error(); got != "light is off: cannot blink" {
		t.Errorf("refusal %q", got)
	}
	if got := lights.Sources(red); !slices.Equal(got, []light{yellow}) {
		t.Errorf("Sources(red) = %v", got)
	}
	if got := lights.Sources(off); !slices.Equal(Strings(got), []string{"red"}) {
		t.Errorf("Sources(off) = %v", got)
	}
}

func TestNewRefusesUndeclaredStates(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a move to an undeclared state did not panic")
		}
	}()
	New("light", []light{red}, map[light][]light{red: {green}})
}

func TestStepIsCheckedAgainstTheTable(t *testing.T) {
	if s := lights.Step(red, yellow); !slices.Equal(s.From, []light{yellow}) || s.To != red {
		t.Errorf("step %+v", s)
	}
	defer func() {
		if recover() == nil {
			t.Error("a step the table does not allow did not panic")
		}
	}()
	lights.Step(red, green)
}
