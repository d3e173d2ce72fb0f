// Package lifecycle is the one shape of every state machine in biz: a table of the moves an
// entity may make, declared next to its State type, and one error for a move the table refuses.
//
// A domain moves an entity only through its table (Move), so a status is never assigned outside
// it; a set-based update in data takes its from states from the table (Sources), so data never
// decides a move that biz does not know.
package lifecycle

import (
	"errors"
	"fmt"
	"slices"
)

// ErrRefused is what every refused move is (errors.Is); the service layer gives it one reason per
// entity.
var ErrRefused = errors.New("the state does not allow this")

// TransitionError is a move (To) or an action (Action) that the entity's state (From) does not
// allow. Entity is the table's name, e.g. "order", "batch", "leader".
type TransitionError struct {
	Entity string
	From   string
	To     string
	Action string
}

func (e *TransitionError) Error() string {
	if e.Action != "" {
		return fmt.Sprintf("%s is %s: cannot %s", e.Entity, e.From, e.Action)
	}
	return fmt.Sprintf("%s is %s: cannot move to %s", e.Entity, e.From, e.To)
}

// Is makes every TransitionError ErrRefused.
func (e *TransitionError) Is(target error) bool { return target == ErrRefused }

// Table is the state machine of one entity: from → the states it may move to.
type Table[S ~string] struct {
	entity string
	next   map[S][]S
	states []S
}

// New builds the table of entity from its states (all of them, in the order they are documented)
// and the moves each may make. A move to or from a state not listed is a programming error and
// panics, so a table cannot name a state its type does not declare.
func New[S ~string](entity string, states []S, next map[S][]S) *Table[S] {
	for from, tos := range next {
		if !slices.Contains(states, from) {
			panic(fmt.Sprintf("lifecycle %s: move from undeclared state %q", entity, from))
		}
		for _, to := range tos {
			if !slices.Contains(states, to) {
				panic(fmt.Sprintf("lifecycle %s: move to undeclared state %q", entity, to))
			}
		}
	}
	return &Table[S]{entity: entity, next: next, states: slices.Clone(states)}
}

// Entity names what the table moves.
func (t *Table[S]) Entity() string { return t.entity }

// States lists every state of the entity.
func (t *Table[S]) States() []S { return slices.Clone(t.states) }

// Can reports whether from → to is allowed.
func (t *Table[S]) Can(from, to S) bool { return slices.Contains(t.next[from], to) }

// Check is nil when from → to is allowed, a *TransitionError otherwise.
func (t *Table[S]) Check(from, to S) error {
	if t.Can(from, to) {
		return nil
	}
	return &TransitionError{Entity: t.entity, From: string(from), To: string(to)}
}

// Move sets *state to to when the table allows it, and refuses it otherwise, leaving *state as
// it was. It is the only way a domain changes an entity's state.
func (t *Table[S]) Move(state *S, to S) error {
	if err := t.Check(*state, to); err != nil {
		return err
	}
	*state = to
	return nil
}

// Refuse is the error for an action that state does not allow (checked by the caller before it
// tries a move, or an action that is no move at all, e.g. paying an order).
func (t *Table[S]) Refuse(state S, action string) error {
	return &TransitionError{Entity: t.entity, From: string(state), Action: action}
}

// Sources lists the states that may move to to, in declaration order: the from set of a
// set-based update (UPDATE … SET status = to WHERE status IN sources).
func (t *Table[S]) Sources(to S) []S {
	var out []S
	for _, s := range t.states {
		if t.Can(s, to) {
			out = append(out, s)
		}
	}
	return out
}

// Step is one set-based move: every row in one of From goes to To.
type Step[S ~string] struct {
	From []S
	To   S
}

// Step is the set-based move from the given states to to. A from state the table does not let
// reach to is a programming error and panics, so a step is checked when its package loads.
func (t *Table[S]) Step(to S, from ...S) Step[S] {
	for _, f := range from {
		if !t.Can(f, to) {
			panic(fmt.Sprintf("lifecycle %s: step %s → %s is not in the table", t.entity, f, to))
		}
	}
	return Step[S]{From: slices.Clone(from), To: to}
}

// Strings converts states to plain strings, for SQL arguments.
func Strings[S ~string](states []S) []string {
	out := make([]string, len(states))
	for i, s := range states {
		out[i] = string(s)
	}
	return out
}

// Walk tries every pair of states of t and reports each one whose outcome differs from want
// (from → the states it must reach; every other move must be refused with a *TransitionError
// naming the entity and states, and leave the state as it was). Tests of each domain call it
// with the life cycle they document, written out again.
func Walk[S ~string](t *Table[S], want map[S][]S) []string {
	var bad []string
	for _, from := range t.states {
		for _, to := range t.states {
			allowed := slices.Contains(want[from], to)
			s := from
			err := t.Move(&s, to)
			switch {
			case allowed && err != nil:
				bad = append(bad, fmt.Sprintf("%s → %s refused: %v", from, to, err))
			case allowed && s != to:
				bad = append(bad, fmt.Sprintf("%s → %s left the state at %s", from, to, s))
			case !allowed && err == nil:
				bad = append(bad, fmt.Sprintf("%s → %s allowed", from, to))
			case !allowed:
				var te *TransitionError
				if !errors.As(err, &te) || !errors.Is(err, ErrRefused) || te.Entity != t.entity ||
					te.From != string(from) || te.To != string(to) || s != from {
					bad = append(bad, fmt.Sprintf("%s → %s refused wrongly: %#v, state %s", from, to, err, s))
				}
			}
		}
	}
	for from, tos := range want {
		if !slices.Contains(t.states, from) {
			bad = append(bad, fmt.Sprintf("state %s is not in the table", from))
		}
		for _, to := range tos {
			if !slices.Contains(t.states, to) {
				bad = append(bad, fmt.Sprintf("state %s is not in the table", to))
			}
		}
	}
	return bad
}
