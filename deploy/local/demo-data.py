#!/usr/bin/env python3
"""Loads a demo data set into the running local nodes (deploy/local/platform demo).

Each department gets a few thousand archive records with Chinese titles across several fonds and categories,
pushed through its gateway's batch API as a departmental archive system would, a few digitised files, one sharing
rule with masking, an in-app inbox subscription, and a few access requests from the other department, so a
newcomer sees records, federated listings, pending reviews, grants and audit entries.

Every record has a fixed externalId (DEMO-<node>-00001…), so running it again changes nothing: the catalogue
answers "unchanged" and no new events are published. Standard library only.

Usage: demo-data.py <credentials.json> [records per department]
"""

import json
import random
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

FONDS = {
    "dept-a": [("A012", "市档案局"), ("A015", "市人力资源和社会保障局")],
    "dept-b": [("B021", "市财政局"), ("B024", "市自然资源和规划局")],
}
CATEGORIES = {
    "administrative": ["关于开展{year}年度{topic}工作的通知", "关于{topic}有关事项的批复", "{year}年{topic}工作总结",
                       "关于进一步加强{topic}管理的意见", "{topic}工作会议纪要"],
    "personnel": ["关于{name}同志任职的通知", "{year}年度公务员招录{topic}工作方案", "关于{name}等同志职务任免的决定",
                  "{year}年度干部人事档案专项审核报告", "关于{name}同志退休的批复"],
    "finance": ["{year}年度{topic}专项资金预算报告", "关于下达{year}年{topic}经费的通知", "{year}年部门决算说明",
                "关于{topic}项目资金使用情况的审计报告", "{year}年政府采购{topic}合同"],
    "construction": ["关于{topic}建设项目用地的批复", "{year}年{topic}规划实施方案", "{topic}工程竣工验收报告"],
}
TOPICS = ["档案数字化", "档案信息资源共享", "社会保障卡发放", "城乡居民医疗保险", "就业创业补贴", "国有土地使用权出让",
          "老旧小区改造", "政务公开", "电子公文归档", "安全生产检查", "乡村振兴", "营商环境优化", "数据安全保护",
          "不动产登记", "生态环境保护", "义务教育均衡发展", "养老服务体系建设", "应急管理", "机关事务保障"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "志强", "秀英", "海燕", "立新", "晓明", "丽华", "伟", "静", "敏", "军", "婷", "国华", "春梅"]
RETENTION = ["永久", "定期30年", "定期10年"]
RETENTION_CODE = {"永久": "Y", "定期30年": "D30", "定期10年": "D10"}
CLASSIFICATION = ["公开", "公开", "内部"]
SHARING = ["unconditional", "unconditional", "conditional", "none"]
DEMO_PURPOSE = "（演示数据）"


def main():
    credentials = json.load(open(sys.argv[1]))
    per_department = int(sys.argv[2]) if len(sys.argv) > 2 else 2500
    nodes = {node: Node(node, c["gateway"], c["clientId"], c["clientSecret"]) for node, c in credentials.items()}
    ids = {}
    for node in nodes.values():
        ids[node.id] = push_records(node, per_department)
        upload_attachments(node, ids[node.id][:5])
        put_rule(node)
        subscribe_inbox(node)
        review_secrecy(node)
    wait_for_federation(nodes, ids)
    request_access(nodes)
    for node in nodes.values():
        quality = node.get("/api/catalogue/quality")
        print(f"{node.id}: {quality.get('records', '?')} records, average quality {quality.get('average', '?')}")
    print("Demo data loaded. Try the federated search, e.g.:")
    print("  GET http://127.0.0.1:5200/api/catalogue/federated?q=档案数字化   (dept-b searching what dept-a shares)")


def push_records(node, count):
    rng = random.Random(node.id)  # the same records on every run
    records = [record(node.id, i, rng) for i in range(1, count + 1)]
    accepted = created = 0
    ids = []
    for start in range(0, len(records), 500):
        report = node.post("/api/catalogue/records/batch", {"records": records[start:start + 500]})
        accepted += report["accepted"]
        for item in report["results"]:
            if item["status"] != "accepted":
                raise SystemExit(f"{node.id}: record {item.get('externalId')} rejected: {item.get('errors')}")
            created += item["record"]["outcome"] != "unchanged"
            ids.append(item["record"]["id"])
    print(f"{node.id}: {accepted} records pushed ({created} new or changed)")
    return ids


def record(department, i, rng):
    fonds, creator = rng.choice(FONDS[department])
    category = rng.choice(list(CATEGORIES))
    year = rng.randint(2012, 2024)
    retention = rng.choice(RETENTION)
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    topic = rng.choice(TOPICS)
    title = rng.choice(CATEGORIES[category]).format(year=year, topic=topic, name=name)
    description = f"{creator}{year}年形成的{topic}相关文件。"
    if category == "personnel":
        # Personal data the sharing rule masks: an ID-card number and a phone number.
        description += f"经办人{name}，身份证号110101{year - 40}0307{rng.randint(1000, 9999)}，联系电话138{rng.randint(10000000, 99999999)}。"
    item = {
        "externalId": f"DEMO-{department}-{i:05d}",
        "fondsCode": fonds,
        "archivalCode": f"{fonds}-{year}-{RETENTION_CODE[retention]}-{i:04d}",
        "title": title,
        "creator": creator,
        "date": f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
        "documentNumber": f"{creator[1:3]}发〔{year}〕{rng.randint(1, 300)}号",
        "retentionPeriod": retention,
        "classification": rng.choice(CLASSIFICATION),
        "category": category,
        "keywords": [topic, {"administrative": "行政", "personnel": "人事", "finance": "财务", "construction": "基建"}[category]],
        "description": description,
        "sharing": rng.choice(SHARING),
    }
    # Like real archive systems, some records come with gaps or inconsistencies that cost quality points.
    flaw = rng.random()
    if flaw < 0.10:
        del item["documentNumber"], item["keywords"]
    elif flaw < 0.15:
        item["description"] = None
    elif flaw < 0.18:
        item["archivalCode"] = f"{fonds}-{year - 1}-{RETENTION_CODE[retention]}-{i:04d}"  # 年度 disagrees with the date
    return item


def upload_attachments(node, record_ids):
    # Small but well-formed files of the accepted types (recognised by their first bytes).
    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
    for n, record_id in enumerate(record_ids):
        body, kind, name = (pdf, "application/pdf", f"扫描件-{n + 1}.pdf") if n % 2 == 0 else (png, "image/png", f"照片-{n + 1}.png")
        node.request("POST", f"/api/catalogue/records/{record_id}/attachments?fileName={urllib.parse.quote(name)}", body, kind)
    print(f"{node.id}: {len(record_ids)} attachments uploaded (stored once per SHA-256)")


def put_rule(node):
    node.request("PUT", "/api/sharing/rules/demo-personnel", json.dumps({
        "category": "personnel",
        "sharing": "conditional",
        "purposes": ["人事审核", "干部考察", "社保核查"],
        "masks": {"description": "id-card,phone"},
        "grantValidity": "P30D",
        "reviewWorkingDays": 10,
    }).encode(), "application/json")
    print(f"{node.id}: rule demo-personnel (personnel records: conditional, ID-card and phone numbers masked)")


def review_secrecy(node):
    # Personnel and internal records wait for the secrecy review (保密审查) before other departments hear of them: the
    # demo's reviewer releases most and keeps every tenth, each with its reason (both in the audit log).
    released = kept = 0
    while True:
        waiting = [item["id"] for item in node.get("/api/catalogue/secrecy-review?pageSize=500")["items"]]
        if not waiting:
            break
        keep, release = waiting[::10], [i for n, i in enumerate(waiting) if n % 10]
        if release:
            node.post("/api/catalogue/secrecy-review/decisions", {"records": release, "decision": "release", "reason": "演示：经审查不涉密，同意公布"})
        node.post("/api/catalogue/secrecy-review/decisions", {"records": keep, "decision": "keep", "reason": "演示：含内部工作信息，暂不公布"})
        released, kept = released + len(release), kept + len(keep)
    print(f"{node.id}: secrecy review: {released} records released, {kept} kept")


def subscribe_inbox(node):
    if any(s.get("channel") == "inbox" for s in node.get("/api/notify/subscriptions")):
        return
    node.post("/api/notify/subscriptions", {"channel": "inbox", "eventTypes": ["request.decided", "review.requested", "record.published"]})


def wait_for_federation(nodes, ids):
    deadline = time.time() + 180
    for node in nodes.values():
        for peer in nodes.values():
            if peer is node:
                continue
            while True:
                total = node.get(f"/api/catalogue/federated?department={peer.id}&pageSize=1")["total"]
                if total > 0 or time.time() > deadline:
                    print(f"{node.id}: sees {total} shared records of {peer.id} so far (events still arriving)")
                    break
                time.sleep(2)


def request_access(nodes):
    a, b = nodes.get("dept-a"), nodes.get("dept-b")
    if a is None or b is None:
        return
    if any(r["purpose"].endswith(DEMO_PURPOSE) for r in b.get("/api/sharing/requests?role=outgoing")):
        print("dept-b: the demo access requests were made on an earlier run")
        return
    # Personnel records are conditional under dept-a's rule (they wait for review); the others are granted at once.
    personnel = b.get("/api/catalogue/federated?department=dept-a&category=personnel&pageSize=3")["items"]
    others = b.get("/api/catalogue/federated?department=dept-a&category=finance&pageSize=3")["items"]
    for item, purpose in [(i, "人事审核") for i in personnel] + [(i, "统计分析") for i in others]:
        answer = b.post("/api/sharing/requests", {"recordId": item["id"], "purpose": purpose + DEMO_PURPOSE})
        status, deadline = answer.get("status"), time.time() + 30
        while status == "submitted" and time.time() < deadline:  # dept-a's node decides asynchronously
            time.sleep(1)
            status = b.get(f"/api/sharing/requests/{answer['id']}")["status"]
        print(f"dept-b: requested 《{item['metadata']['title']}》 from dept-a → {status}")


class Node:
    def __init__(self, node_id, gateway, client_id, secret):
        self.id, self.gateway = node_id, gateway.rstrip("/")
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}).encode()
        with urllib.request.urlopen(urllib.request.Request(self.gateway + "/connect/token", form), timeout=30) as response:
            self.token = json.load(response)["access_token"]

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, body):
        return self.request("POST", path, json.dumps(body, ensure_ascii=False).encode(), "application/json")

    def request(self, method, path, body=None, content_type=None):
        request = urllib.request.Request(self.gateway + urllib.parse.quote(path, safe="/?=&%"), body, method=method)
        request.add_header("Authorization", "Bearer " + self.token)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                data = response.read()
                return json.loads(data) if data else {}
        except urllib.error.HTTPError as error:
            raise SystemExit(f"{self.id}: {method} {path} answered {error.code}: {error.read().decode(errors='replace')[:500]}")


if __name__ == "__main__":
    main()
