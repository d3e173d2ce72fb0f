package service

import "github.com/groupbuy/groupbuy/internal/biz/port"

// defaultPageSize is a list's page size when the client asks for none (nearby has its own).
const defaultPageSize = 20

// pageSize is the one page-size rule of the API: the client's page_size when it is 1 to
// port.MaxPageSize, else defaultPageSize. Use cases and stores take the size as given.
func pageSize(n int32) int { return pageSizeOr(n, defaultPageSize) }

// pageSizeOr is pageSize for the lists whose default is def.
func pageSizeOr(n int32, def int) int {
	if n <= 0 || n > port.MaxPageSize {
		return def
	}
	return int(n)
}
