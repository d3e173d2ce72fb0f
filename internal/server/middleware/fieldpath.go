package middleware

import (
	"errors"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// ruleError is one broken rule as protoc-gen-validate reports it: the Go name of the field
// (with [index] for a list item or map value) and, for a nested message, its own errors.
type ruleError interface {
	Field() string
	Reason() string
	Cause() error
}

// multiError is protoc-gen-validate's ValidateAll result: every broken rule of one message.
type multiError interface {
	AllErrors() []error
}

// ruleViolations turns what ValidateAll reported for a message of descriptor md into
// violations of the innermost fields, named by their JSON paths under prefix.
func ruleViolations(err error, md protoreflect.MessageDescriptor, prefix string) []violation {
	if err == nil {
		return nil
	}
	var multi multiError
	if errors.As(err, &multi) {
		var vs []violation
		for _, one := range multi.AllErrors() {
			vs = append(vs, ruleViolations(one, md, prefix)...)
		}
		return vs
	}
	var re ruleError
	if !errors.As(err, &re) {
		return []violation{{path: prefix, rule: err.Error()}}
	}
	goName, index := splitIndex(re.Field())
	fd := fieldByGoName(md, goName)
	name := goName
	if fd != nil {
		name = fd.JSONName()
	}
	path := join(prefix, name+index)
	if nested := messageOf(fd); re.Cause() != nil && nested != nil {
		return ruleViolations(re.Cause(), nested, path)
	}
	return []violation{{path: path, rule: re.Reason()}}
}

// splitIndex splits "Lines[0]" into "Lines" and "[0]".
func splitIndex(field string) (name, index string) {
	if i := strings.IndexByte(field, '['); i >= 0 {
		return field[:i], field[i:]
	}
	return field, ""
}

// messageOf is the message a field holds (a map's value message), or nil.
func messageOf(fd protoreflect.FieldDescriptor) protoreflect.MessageDescriptor {
	switch {
	case fd == nil:
		return nil
	case fd.IsMap():
		return fd.MapValue().Message()
	default:
		return fd.Message()
	}
}

// fieldByGoName finds the field protoc-gen-go named goName.
func fieldByGoName(md protoreflect.MessageDescriptor, goName string) protoreflect.FieldDescriptor {
	fields := md.Fields()
	for i := range fields.Len() {
		if fd := fields.Get(i); goCamelCase(string(fd.Name())) == goName {
			return fd
		}
	}
	return nil
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// goCamelCase is protoc-gen-go's field naming (google.golang.org/protobuf/internal/strs),
// which protoc-gen-validate's Field() reports.
func goCamelCase(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.' && i+1 < len(s) && isLower(s[i+1]):
			// Skip over '.' in ".{{lowercase}}".
		case c == '.':
			b = append(b, '_')
		case c == '_' && (i == 0 || s[i-1] == '.'):
			b = append(b, 'X')
		case c == '_' && i+1 < len(s) && isLower(s[i+1]):
			// Skip over '_' in "_{{lowercase}}".
		case '0' <= c && c <= '9':
			b = append(b, c)
		default:
			if isLower(c) {
				c -= 'a' - 'A'
			}
			b = append(b, c)
			for ; i+1 < len(s) && isLower(s[i+1]); i++ {
				b = append(b, s[i+1])
			}
		}
	}
	return string(b)
}

func isLower(c byte) bool { return 'a' <= c && c <= 'z' }
