package server

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// wantSubscribers is who must listen to each topic, in order. Changing the event map means
// changing this table too, on purpose.
var wantSubscribers = map[string][]string{
	"batch.scheduled": nil,
	"batch.opened":    nil,
	"batch.closed":    nil,
	"batch.cancelled": {"order.Checkout.OnBatchCancelled"},
	"shopper.joined":  {"promo.Welcome.OnJoined"},
	"order.paid":      {"shipping.Usecase.OnPaid", "commission.Flows.OnPaid", "order.PriceRecorder.OnPaid", "invite.Usecase.OnPaid"},
	"order.cancelled": nil,
	"order.ready":     {"order.Pickup.NotifyReady", "shipping.Usecase.OnReady"},
	"order.picked_up": nil,
	"order.refunded":  {"commission.Flows.OnRefunded", "settlement.Usecase.OnRefunded", "invite.Usecase.OnRefunded"},
	"order.completed": {"commission.Flows.OnCompleted", "invite.Usecase.OnCompleted"},
}

// topicConst is a topic constant of a biz package: TopicXxx = "domain.event".
var topicConst = regexp.MustCompile(`(?m)^\s*Topic\w+\s*=\s*"([^"]+)"`)

// publishedTopics are the values of every Topic constant under internal/biz.
func publishedTopics(t *testing.T) []string {
	t.Helper()
	var topics []string
	err := filepath.WalkDir("../biz", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range topicConst.FindAllStringSubmatch(string(src), -1) {
			topics = append(topics, m[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(topics) == 0 {
		t.Fatal("no Topic constants found under internal/biz")
	}
	return topics
}

// funcName is "package.Type.Method" of a method value, from the runtime's
// "path/package.(*Type).Method-fm".
func funcName(h any) string {
	full := runtime.FuncForPC(reflect.ValueOf(h).Pointer()).Name()
	full = strings.TrimSuffix(full[strings.LastIndex(full, "/")+1:], "-fm")
	return strings.NewReplacer("(*", "", ")", "").Replace(full)
}

// Every topic published anywhere in biz is in the event map with exactly its intended handlers,
// each named truly, and no handler is subscribed twice.
func TestEventMapListsEveryTopicAndHandler(t *testing.T) {
	m := EventMap(nil, nil, nil, nil, nil, nil, nil, nil) // method values only: nothing is called
	for _, topic := range publishedTopics(t) {
		if _, ok := m[topic]; !ok {
			t.Errorf("topic %q is published but missing from the event map", topic)
		}
		if _, ok := wantSubscribers[topic]; !ok {
			t.Errorf("topic %q is published but missing from wantSubscribers", topic)
		}
	}
	seen := map[string]string{}
	for topic, subs := range m {
		want, ok := wantSubscribers[topic]
		if !ok {
			t.Errorf("the event map has topic %q that nobody expects", topic)
		}
		var got []string
		for _, s := range subs {
			if s.Handle == nil {
				t.Errorf("%s: %s has no handler", topic, s.Name)
				continue
			}
			if fn := funcName(s.Handle); fn != s.Name {
				t.Errorf("%s: subscriber named %s is %s", topic, s.Name, fn)
			}
			if prev, dup := seen[s.Name]; dup {
				t.Errorf("%s is subscribed twice: to %s and %s", s.Name, prev, topic)
			}
			seen[s.Name] = topic
			got = append(got, s.Name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: subscribers %v, want %v", topic, got, want)
		}
	}
}
