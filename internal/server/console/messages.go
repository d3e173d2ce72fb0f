package console

import (
	"embed"
	"encoding/json"
	"fmt"
)

//go:embed messages/*.json
var messageFiles embed.FS

// defaultLang is the console's language; another is one more file in messages/ with the same keys.
const defaultLang = "zh-CN"

// Messages are the labels of one language, by key. Every text a page shows comes from here.
type Messages map[string]string

// LoadMessages reads messages/<lang>.json.
func LoadMessages(lang string) (Messages, error) {
	raw, err := messageFiles.ReadFile("messages/" + lang + ".json")
	if err != nil {
		return nil, fmt.Errorf("console messages %s: %w", lang, err)
	}
	var m Messages
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("console messages %s: %w", lang, err)
	}
	return m, nil
}

// T is the label of key, formatted with args when it has verbs. A missing key shows itself
// (and a test fails on it), never an empty page element.
func (m Messages) T(key string, args ...any) string {
	s, ok := m[key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}
