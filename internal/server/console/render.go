package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// viewNames are the page templates; each is parsed with layout.html.
var viewNames = []string{"login", "home", "error", "ledger", "runs", "audit", "run", "atrisk", "recon", "statement", "plans", "chart", "receivers"}

// viewParts are the files of shared named templates a view is parsed with, beside the layout.
var viewParts = map[string][]string{}

type views struct{ byName map[string]*template.Template }

func parseViews(msg Messages) (*views, error) {
	funcs := template.FuncMap{"t": msg.T, "yuan": yuan, "bjtime": bjTime}
	v := &views{byName: map[string]*template.Template{}}
	for _, name := range viewNames {
		files := []string{"templates/layout.html", "templates/" + name + ".html"}
		for _, part := range viewParts[name] {
			files = append(files, "templates/"+part+".html")
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFiles, files...)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", name, err)
		}
		v.byName[name] = t
	}
	return v, nil
}

// frame is what the layout shows around a page: the signed-in account, its menu and the CSRF
// token htmx sends with every request.
type frame struct {
	Lang    string
	Title   string
	User    string
	RoleKey string
	CSRF    string
	Menu    []menuItem
}

// view is one rendering: the frame and the page's own data.
type view struct {
	Frame frame
	Data  any
}

func (c *Console) frame(rc *reqCtx, titleKey, current string) frame {
	f := frame{Lang: c.msg.T("app.lang"), Title: c.msg.T(titleKey)}
	if rc != nil {
		f.User, f.RoleKey, f.CSRF = rc.account.Username, "role."+string(rc.account.Role), rc.csrf
		f.Menu = c.menu(rc.p, current)
	}
	return f
}

// render writes the page name in the layout. It renders into a buffer first so that a template
// error becomes a clean error page, not half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, f frame, data any) {
	c.execute(w, r, status, name, "layout", view{Frame: f, Data: data})
}

// fragment writes one named template of page name alone: the part htmx swaps in.
func (c *Console) fragment(w http.ResponseWriter, r *http.Request, name, block string, data any) {
	c.execute(w, r, http.StatusOK, name, block, view{Data: data})
}

func (c *Console) execute(w http.ResponseWriter, r *http.Request, status int, name, block string, v view) {
	var b bytes.Buffer
	if err := c.views.byName[name].ExecuteTemplate(&b, block, v); err != nil {
		c.log.WithContext(r.Context()).Errorw("msg", "console: render", "page", name, "error", err)
		http.Error(w, c.msg.T("error.internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// errorPage is the data of the error page.
type errorPage struct{ Heading, Text string }

// fail shows an error page: key.."_heading" and key's text.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, rc *reqCtx, status int, key string) {
	noStore(w)
	c.render(w, r, status, "error", c.frame(rc, key+"_heading", ""),
		errorPage{Heading: c.msg.T(key + "_heading"), Text: c.msg.T(key)})
}

// internal logs err and shows the generic error page: the cause stays in the log.
func (c *Console) internal(w http.ResponseWriter, r *http.Request, rc *reqCtx, err error) {
	c.log.WithContext(r.Context()).Errorw("msg", "console request failed", "path", r.URL.Path, "error", err)
	c.fail(w, r, rc, http.StatusInternalServerError, "error.internal")
}

// yuan formats fen as yuan with thousands separators: -123456 is "-1,234.56".
func yuan(fen int64) string {
	sign := ""
	u := uint64(fen)
	if fen < 0 {
		sign, u = "-", uint64(-fen)
	}
	whole := strconv.FormatUint(u/100, 10)
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	return fmt.Sprintf("%s%s.%02d", sign, whole, u%100)
}

// bjTime is t in Beijing time, or "—" when zero.
func bjTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(bjtime.Zone).Format(time.DateTime)
}
