package console

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/catalog"
)

// listHref is a list's address: path with the non-empty params (name, value pairs) and, when
// after is set, the keyset cursor. The path is a constant and the query is encoded.
func listHref(path string, after int64, params ...string) template.URL {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		if params[i+1] != "" || params[i] == "status" {
			v.Set(params[i], params[i+1])
		}
	}
	if after > 0 {
		v.Set("after", strconv.FormatInt(after, 10))
	}
	return template.URL(path + "?" + v.Encode()) //nolint:gosec // a constant path and an encoded query
}

// formError is a refusal of one form of a page: which form (Form, and ID for one of a list of
// like forms), the field it concerns ("" for none) and its sentence.
type formError struct {
	Form  string
	ID    int64
	Field string
	Error string
}

// ErrorOn is the error when it concerns field of form id, else "": a template shows it on
// that field.
func (e formError) ErrorOn(form string, id int64, field string) string {
	if e.Form == form && e.ID == id && e.Field == field {
		return e.Error
	}
	return ""
}

// PageError is the error when it concerns no field: a template shows it above the forms.
func (e formError) PageError() string {
	if e.Field == "" {
		return e.Error
	}
	return ""
}

// fieldRefusal reads a refusal of a form's input: the field it concerns and its sentence. A
// forbidden word of the advertising law is shown on the field it was found in, naming the
// words. ok is false for errors that are not the input's fault.
func (c *Console) fieldRefusal(err error) (field, text string, status int, ok bool) {
	var wording *catalog.WordingError
	if errors.As(err, &wording) {
		return wording.Field, c.msg.T("catalog.banned", strings.Join(wording.Words, "、")), http.StatusUnprocessableEntity, true
	}
	var invalid *bizerr.InvalidError
	if errors.As(err, &invalid) {
		return invalid.Field, c.invalidText(invalid), http.StatusUnprocessableEntity, true
	}
	status, text, ok = c.refusal(err)
	return "", text, status, ok
}
