// Package wxsim is a stand-in for WeChat's servers, used by the tests and by `make run`, where
// there is no internet and no real mini-program. It is a real HTTP server that speaks the subset
// of WeChat's APIs the service calls, with WeChat's paths, parameters, response shapes and error
// codes, so the service's WeChat client is exercised exactly as it is in production by pointing
// its API base URL at the simulator.
//
// Beside the WeChat paths the simulator offers a control API under /sim/v1/ (and the same
// operations as Go methods) that plays the parts WeChat keeps to itself: it hands out the codes
// a phone would get from wx.login and getPhoneNumber, injects faults and latency, expires access
// tokens and counts calls, so tests can drive every path of the service deterministically.
//
// WeChat APIs served (errors are HTTP 200 with {"errcode","errmsg"}, as on WeChat):
//
//	GET  /sns/jscode2session                       code2Session
//	POST /cgi-bin/stable_token                     getStableAccessToken
//	GET  /cgi-bin/token                            getAccessToken
//	POST /wxa/business/getuserphonenumber          getPhoneNumber
//
// Control API (errors are HTTP 4xx with {"error"}):
//
//	POST   /sim/v1/login-codes          {"appid","openid","unionid"} → {"code","openid"}
//	GET    /sim/v1/login-code?openid=   the code alone, as text/plain, for shell demos
//	POST   /sim/v1/phone-codes          {"appid","phone"} → {"code"}
//	POST   /sim/v1/faults               {"operation","errcode","errmsg","count","latency_ms"}
//	DELETE /sim/v1/faults               drop pending faults
//	POST   /sim/v1/access-tokens/expire invalidate every access token
//	GET    /sim/v1/calls?operation=     {"calls":{operation:count}}
//
// This is the mini-program login half: code2Session, access tokens and the phone number API.
// The WeChat Pay v3 half is added beside it as separate files (its own state, handlers and
// operations) registered on the same Simulator; see routes in simulator.go.
package wxsim
