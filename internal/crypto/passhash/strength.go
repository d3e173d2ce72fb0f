package passhash

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// MinPasswordChars is the minimum password length in characters (runes).
const MinPasswordChars = 12

// minDistinctChars rejects long but trivially repetitive passwords such as
// "aaaaaaaaaaa1" or "abababababab".
const minDistinctChars = 5

// CheckStrength applies the console password policy, used when creating
// console accounts and changing their passwords. A password must:
//
//   - be valid UTF-8 and contain no control characters (tabs, newlines and
//     the like are almost always copy-paste accidents);
//   - be at least 12 characters and at most 128 bytes long;
//   - mix at least two character classes out of lowercase letters,
//     uppercase letters, digits, and everything else (punctuation, spaces,
//     symbols, and letters without case such as Chinese characters);
//   - contain at least 5 distinct characters.
//
// Length matters more than composition, so the class rule is deliberately
// light: "correct horse battery 9" passes, "aaaaaaaaaaaa" does not. The
// returned error wraps ErrWeakPassword and says which rule failed; it never
// echoes the password.
func CheckStrength(password string) error {
	if !utf8.ValidString(password) {
		return fmt.Errorf("%w: not valid UTF-8", ErrWeakPassword)
	}
	if len(password) > MaxPasswordBytes {
		return fmt.Errorf("%w: longer than %d bytes", ErrWeakPassword, MaxPasswordBytes)
	}
	if n := utf8.RuneCountInString(password); n < MinPasswordChars {
		return fmt.Errorf("%w: shorter than %d characters", ErrWeakPassword, MinPasswordChars)
	}
	classes := make(map[charClass]bool, 4)
	distinct := make(map[rune]bool, len(password))
	for _, r := range password {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: contains a control character", ErrWeakPassword)
		}
		classes[classify(r)] = true
		distinct[r] = true
	}
	if len(classes) < 2 {
		return fmt.Errorf("%w: uses only one kind of character; mix letters, digits or symbols", ErrWeakPassword)
	}
	if len(distinct) < minDistinctChars {
		return fmt.Errorf("%w: fewer than %d different characters", ErrWeakPassword, minDistinctChars)
	}
	return nil
}

type charClass int

const (
	classLower charClass = iota
	classUpper
	classDigit
	classOther
)

func classify(r rune) charClass {
	switch {
	case unicode.IsLower(r):
		return classLower
	case unicode.IsUpper(r):
		return classUpper
	case unicode.IsDigit(r):
		return classDigit
	}
	return classOther
}
