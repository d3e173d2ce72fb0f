package wxsim

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// PayStateFile is the snapshot the pay half keeps in PayConfig.DataDir.
const PayStateFile = "wxpay-state.json"

// snapshotVersion changes when the snapshot's shape does; an unknown version is refused rather
// than half-read.
const snapshotVersion = 1

// paySnapshot is the pay state on disk. Download links are left out: they live 30 seconds.
type paySnapshot struct {
	Version         int               `json:"version"`
	Seq             uint64            `json:"seq"`
	Transactions    []*payTxn         `json:"transactions"`
	Refunds         []*payRefund      `json:"refunds"`
	Receivers       []*payReceiver    `json:"receivers"`
	Orders          []*psOrder        `json:"orders"`
	Returns         []*psReturn       `json:"returns"`
	ReceiverResults map[string]string `json:"receiver_results"`
	ReturnResults   map[string]string `json:"return_results"`
	NotifyURLs      map[string]string `json:"notify_urls"`
	Notifications   []*notification   `json:"notifications"`
	Deliveries      []Delivery        `json:"deliveries"`
}

// changed records a change: with a data directory, the whole state is written at once,
// atomically, so a crash leaves the previous snapshot or this one. The caller holds p.mu, which
// also orders the writes. A failed write is kept for Close to report.
func (p *payState) changed() {
	if p.cfg.DataDir == "" {
		return
	}
	data, err := json.Marshal(p.snapshot())
	if err == nil {
		err = writeFileAtomic(filepath.Join(p.cfg.DataDir, PayStateFile), data, 0o600)
	}
	if err != nil && p.persistErr == nil {
		p.persistErr = fmt.Errorf("wxsim: save pay state: %w", err)
	}
}

// snapshot copies the state into its on-disk shape, sorted so equal states write equal files.
// The caller holds p.mu.
func (p *payState) snapshot() *paySnapshot {
	snap := &paySnapshot{
		Version: snapshotVersion, Seq: p.seq,
		Transactions:    sortedValues(p.txns),
		Refunds:         sortedValues(p.refunds),
		Receivers:       sortedValues(p.receivers),
		Orders:          sortedValues(p.orders),
		Returns:         sortedValues(p.returns),
		ReceiverResults: p.receiverResults, ReturnResults: p.returnResults, NotifyURLs: p.notifyURLs,
		Notifications: p.notifier.all, Deliveries: p.notifier.deliveries,
	}
	return snap
}

func sortedValues[V any](m map[string]V) []V {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmp.Compare[string])
	out := make([]V, 0, len(m))
	for _, k := range keys {
		out = append(out, m[k])
	}
	return out
}

// load reads the snapshot in the data directory, if there is one, and resumes what was in
// flight: pending notifications and due refunds and orders.
func (p *payState) load() error {
	if p.cfg.DataDir == "" {
		return nil
	}
	if err := os.MkdirAll(p.cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("wxsim: create data dir: %w", err)
	}
	data, err := os.ReadFile(filepath.Join(p.cfg.DataDir, PayStateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("wxsim: read pay state: %w", err)
	}
	var snap paySnapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		return fmt.Errorf("wxsim: decode %s: %w", PayStateFile, err)
	}
	if snap.Version != snapshotVersion {
		return fmt.Errorf("wxsim: %s has version %d, want %d", PayStateFile, snap.Version, snapshotVersion)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.restore(&snap)
	p.notifier.resume()
	p.resumeDue()
	return nil
}

// restore puts a snapshot's content in place. The caller holds p.mu.
func (p *payState) restore(snap *paySnapshot) {
	p.seq = snap.Seq
	for _, t := range snap.Transactions {
		p.txns[key(t.MchID, t.OutTradeNo)] = t
		if t.TransactionID != "" {
			p.txnByID[t.TransactionID] = t
		}
	}
	for _, r := range snap.Refunds {
		p.refunds[key(r.MchID, r.OutRefundNo)] = r
	}
	for _, r := range snap.Receivers {
		p.receivers[receiverKey(r.MchID, r.AppID, r.Type, r.Account)] = r
	}
	for _, o := range snap.Orders {
		p.orders[key(o.MchID, o.OutOrderNo)] = o
	}
	for _, r := range snap.Returns {
		p.returns[key(r.MchID, r.OutReturnNo)] = r
	}
	maps.Copy(p.receiverResults, snap.ReceiverResults)
	maps.Copy(p.returnResults, snap.ReturnResults)
	maps.Copy(p.notifyURLs, snap.NotifyURLs)
	p.notifier.all = snap.Notifications
	p.notifier.deliveries = snap.Deliveries
}

// resumeDue arms a timer for every refund and order still waiting for its delay. The caller
// holds p.mu.
func (p *payState) resumeDue() {
	now := p.now()
	for _, r := range p.refunds {
		if r.Status == RefundProcessing && !r.DueAt.IsZero() {
			p.waitRefund(r)
			p.armDue(r.DueAt.Sub(now))
		}
	}
	for _, o := range p.orders {
		if o.State == SharingProcessing && !o.DueAt.IsZero() {
			p.waitOrder(o)
			p.armDue(o.DueAt.Sub(now))
		}
	}
}
