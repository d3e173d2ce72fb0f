// The ops pages' forms post with htmx and swap the page's answer in. htmx swaps only 2xx
// answers by default; a refused form (404, 409, 422) comes back as the page with the reason on
// it, which is what the user needs to see, so those are swapped too.
htmx.config.responseHandling = [
  {code: "204", swap: false},
  {code: "[23]..", swap: true},
  {code: "(404|409|422)", swap: true, error: false},
  {code: "[45]..", swap: false, error: true},
];
