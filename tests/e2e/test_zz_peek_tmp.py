import json
from tests.e2e.test_curl import curl, GUIDE_INPUT
def test_peek(sqlite_stack):
    u = sqlite_stack.url
    t = curl("POST", f"{u}/threads", "{}")[1]
    print(t)
    r = curl("POST", f"{u}/threads/{t['thread_id']}/runs", {"assistant_id": "agent", "input": GUIDE_INPUT})[1]
    print(curl("GET", f"{u}/threads/{t['thread_id']}/runs/{r['run_id']}/join")[0])
    a = curl("GET", f"{u}/threads/{t['thread_id']}")[1]
    a.pop("values"); print(a)
    print(curl("GET", f"{u}/threads/{t['thread_id']}/runs?limit=10&offset=0&select=run_id")[1])
    print(curl("GET", f"{u}/threads/{t['thread_id']}/runs?status=pending")[1])
