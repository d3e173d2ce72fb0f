package wxsim

import (
	"slices"
)

// Profit-sharing receiver types (分账接收方类型). An ordinary merchant shares to merchants and to
// users of its own appids; PERSONAL_SUB_OPENID exists only for service providers.
const (
	ReceiverMerchant = "MERCHANT_ID"
	ReceiverOpenID   = "PERSONAL_OPENID"
)

// relationTypes are the documented relation types (与分账方的关系类型).
var relationTypes = []string{
	"SERVICE_PROVIDER", "STORE", "STAFF", "STORE_OWNER", "PARTNER", "HEADQUARTER", "BRAND",
	"DISTRIBUTOR", "USER", "SUPPLIER", "CUSTOM",
}

// receiverRequest is the body of receivers/add and receivers/delete.
type receiverRequest struct {
	AppID          string `json:"appid"`
	SubMchID       string `json:"sub_mchid"`
	Type           string `json:"type"`
	Account        string `json:"account"`
	Name           string `json:"name"`
	RelationType   string `json:"relation_type"`
	CustomRelation string `json:"custom_relation"`
}

// receiverJSON is the answer to receivers/add (AddReceiverResponse); delete answers the type
// and account only.
type receiverJSON struct {
	Type           string `json:"type"`
	Account        string `json:"account"`
	Name           string `json:"name,omitempty"`
	RelationType   string `json:"relation_type,omitempty"`
	CustomRelation string `json:"custom_relation,omitempty"`
}

// addReceiver is POST /v3/profitsharing/receivers/add (添加分账接收方). The name arrives
// encrypted to the platform key, and goes back encrypted to the merchant's.
func (s *Simulator) addReceiver(c *payCall) (payResult, *payError) {
	var req receiverRequest
	if e := c.decode(&req); e != nil {
		return payResult{}, e
	}
	if e := s.pay.checkReceiver(c, &req); e != nil {
		return payResult{}, e
	}
	if e := s.pay.checkRelation(&req); e != nil {
		return payResult{}, e
	}
	name, e := s.pay.decryptField(c, req.Name)
	if e != nil {
		return payResult{}, e
	}
	if req.Type == ReceiverMerchant && name == "" {
		// A merchant receiver is checked against its registered full name (商户全称).
		return payResult{}, missingField("/body/name")
	}
	s.pay.storeReceiver(c.mchid, &req, name)
	out := receiverJSON{Type: req.Type, Account: req.Account, RelationType: req.RelationType, CustomRelation: req.CustomRelation}
	if name != "" {
		enc, err := encryptOAEP(s.pay.cfg.Merchants[c.mchid].PublicKey, name)
		if err != nil {
			return payResult{}, newPayError(PayCodeSystemError, err.Error())
		}
		out.Name = enc
	}
	return okJSON(out), nil
}

// deleteReceiver is POST /v3/profitsharing/receivers/delete (删除分账接收方). Deleting one that is
// not there succeeds too.
func (s *Simulator) deleteReceiver(c *payCall) (payResult, *payError) {
	var req receiverRequest
	if e := c.decode(&req); e != nil {
		return payResult{}, e
	}
	if e := s.pay.checkReceiver(c, &req); e != nil {
		return payResult{}, e
	}
	p := s.pay
	p.mu.Lock()
	delete(p.receivers, receiverKey(c.mchid, req.AppID, req.Type, req.Account))
	p.changed()
	p.mu.Unlock()
	return okJSON(receiverJSON{Type: req.Type, Account: req.Account}), nil
}

// checkReceiver checks the fields add and delete share.
func (p *payState) checkReceiver(c *payCall, req *receiverRequest) *payError {
	switch {
	case req.SubMchID != "":
		return paramError("普通商户不支持sub_mchid")
	case req.AppID == "":
		return missingField("/body/appid")
	case req.Type == "":
		return missingField("/body/type")
	case req.Account == "":
		return missingField("/body/account")
	case req.Type != ReceiverMerchant && req.Type != ReceiverOpenID:
		return paramError("分账接收方类型错误，直连商户只支持MERCHANT_ID和PERSONAL_OPENID")
	case !p.appAllowed(req.AppID):
		return invalidRequest("appid与商户号不匹配")
	case req.Type == ReceiverMerchant && req.Account == c.mchid:
		return invalidRequest("分账接收方不能是分账方自己")
	}
	return nil
}

func (p *payState) checkRelation(req *receiverRequest) *payError {
	switch {
	case req.RelationType == "":
		return missingField("/body/relation_type")
	case !slices.Contains(relationTypes, req.RelationType):
		return paramError("relation_type取值错误")
	case req.RelationType == "CUSTOM" && req.CustomRelation == "":
		return paramError("relation_type为CUSTOM时custom_relation必填")
	}
	return nil
}

// decryptField decrypts a sensitive field, which WeChat accepts only with the Wechatpay-Serial
// header naming the key it was encrypted to.
func (p *payState) decryptField(c *payCall, ciphertext string) (string, *payError) {
	if ciphertext == "" {
		return "", nil
	}
	key, keyID, _, err := p.keys()
	if err != nil {
		return "", newPayError(PayCodeSystemError, err.Error())
	}
	switch serial := c.r.Header.Get(headerSerial); serial {
	case "":
		return "", paramError("HTTP header缺少微信支付平台证书序列号(Wechatpay-Serial)")
	case keyID:
	default:
		return "", paramError("Wechatpay-Serial %s不是有效的微信支付公钥ID或平台证书序列号", serial)
	}
	name, err := decryptOAEP(key, ciphertext)
	if err != nil {
		return "", paramError("敏感信息解密失败，请使用微信支付公钥加密")
	}
	return name, nil
}

func (p *payState) storeReceiver(mchid string, req *receiverRequest, name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.receivers[receiverKey(mchid, req.AppID, req.Type, req.Account)] = &payReceiver{
		MchID: mchid, AppID: req.AppID, Type: req.Type, Account: req.Account, Name: name,
		RelationType: req.RelationType, CustomRelation: req.CustomRelation, AddedAt: p.now(),
	}
	p.changed()
}

// receiverKey identifies a receiver of a merchant. An openid is only meaningful within its
// appid; a merchant id is the same whatever the appid.
func receiverKey(mchid, appid, typ, account string) string {
	if typ != ReceiverOpenID {
		appid = ""
	}
	return key(mchid, appid, typ, account)
}
