// Package catalog is what is sold: products and their SKUs, and the advertising-law check every
// piece of product copy passes before it is saved.
package catalog

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// ErrBannedWording means product copy uses wording the advertising law forbids.
var ErrBannedWording = errors.New("product copy uses forbidden wording")

// WordingError names the forbidden words found and the field they were found in.
type WordingError struct {
	Field string
	Words []string
}

func (e *WordingError) Error() string {
	return fmt.Sprintf("%s: %v: %s", e.Field, ErrBannedWording, strings.Join(e.Words, ", "))
}

func (e *WordingError) Is(target error) bool { return target == ErrBannedWording }

// DefaultBannedWords are absolute claims (广告法 article 9: "国家级", "最高级", "最佳" and the like)
// and medical-effect claims that food may not make (article 17). Configuration may replace them.
var DefaultBannedWords = []string{
	"最", "第一", "唯一", "首个", "顶级", "极品", "国家级", "世界级", "最便宜", "最低价", "全网最低",
	"史无前例", "万能", "100%", "百分百",
	"治疗", "治愈", "根治", "药效", "疗效", "抗癌", "防癌", "降血压", "降血糖", "降血脂", "减肥", "延年益寿",
}

// Compliance checks copy against a list of forbidden words.
type Compliance struct {
	words []string
}

// NewCompliance builds the check. Words are matched case-insensitively after removing spaces,
// so "第 一" and "１００％" do not slip through; empty words are ignored.
func NewCompliance(words []string) *Compliance {
	c := &Compliance{}
	for _, w := range words {
		if w = normalize(w); w != "" {
			c.words = append(c.words, w)
		}
	}
	// Longest first, so "最便宜" is reported as itself rather than as the "最" inside it.
	sort.SliceStable(c.words, func(i, j int) bool { return len(c.words[i]) > len(c.words[j]) })
	return c
}

// Check returns a *WordingError naming every forbidden word in text, or nil. A match is blanked
// out before shorter words are tried, so each place in the text is reported once.
func (c *Compliance) Check(field, text string) error {
	norm := normalize(text)
	var found []string
	for _, w := range c.words {
		if strings.Contains(norm, w) {
			found = append(found, w)
			norm = strings.ReplaceAll(norm, w, "\x00")
		}
	}
	if len(found) == 0 {
		return nil
	}
	return &WordingError{Field: field, Words: found}
}

// normalize folds full-width forms to half-width, lowers case and drops spaces and punctuation
// used to split a word.
func normalize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII variants
			r -= 0xFEE0
		}
		if unicode.IsSpace(r) || r == '·' || r == '_' || r == '-' || r == '*' {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
