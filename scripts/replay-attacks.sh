#!/usr/bin/env bash
# Replays issue 14's attacks on the trending list against a running stack and prints what each
# changed: `./scripts/replay-attacks.sh http://127.0.0.1:8787 <admin token>` (./scripts/dev prints
# both). Each attack should fail: the #1 keeps its title and creator, 100 invented viewers from
# one client do not rank, a 1,000-event backdated replay adds at most the cap (1 view, 1 viewer),
# and a claimed idempotency key does not swallow another network's view. Node is needed (any).
set -euo pipefail
B=${1:?usage: replay-attacks.sh <base url> <admin token>}
TOKEN=${2:?usage: replay-attacks.sh <base url> <admin token>}
top() { curl -s "$B/v1/trending/videos?window=$1&limit=100" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const b=JSON.parse(s);console.log(JSON.stringify(b.videos.slice(0,'$2').map(v=>({rank:v.rank,id:v.videoId.slice(0,10),title:v.title,creator:(v.creatorPubkey||"").slice(0,10),tags:v.hashtags,u:v.uniqueViewers,views:v.views}))))})'; }
rank_of() { curl -s "$B/v1/trending/videos?window=$1&limit=100" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const b=JSON.parse(s);const v=b.videos.find(v=>v.videoId==="'$2'");console.log(v?JSON.stringify({rank:v.rank,views:v.views,u:v.uniqueViewers}):"not ranked")})'; }
# A precompute, then 6 s: isolate memory answers for 5 s, so the next read sees the new ranking.
precompute() { curl -s -XPOST -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{}' $B/v1/admin/precompute >/dev/null; }
echo "== 1. retitle the 24h #1 with one unauthenticated view_start"
ID=$(curl -s "$B/v1/trending/videos?window=24h&limit=1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).videos[0].videoId))')
echo "before: $(top 24h 1)"
ATT=$(printf 'b%.0s' {1..64})
curl -s -XPOST $B/v1/events/views -H 'content-type: application/json' -H 'cf-connecting-ip: 198.51.100.66' -d "{\"videoId\":\"$ID\",\"viewerId\":\"attacker\",\"eventType\":\"view_start\",\"title\":\"SPOOFED TITLE\",\"creatorPubkey\":\"$ATT\",\"hashtags\":[\"spoof\"]}"; echo
precompute; sleep 6
echo "after:  $(top 24h 1)"
curl -s "$B/analytics/trending/creators?window=24h&limit=3" | head -c 300; echo
echo "== 2. 100 invented viewers in one request for a new video (one client)"
NEW=$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')
EV=$(node -e 'const id=process.argv[1];console.log(JSON.stringify({events:Array.from({length:100},(_,i)=>({videoId:id,viewerId:"fake-"+i,eventType:"view_end",watchMs:6000,durationMs:6000}))}))' $NEW)
curl -s -XPOST $B/v1/events/views -H 'content-type: application/json' -H 'cf-connecting-ip: 198.51.100.77' -d "$EV"; echo
precompute; sleep 45; precompute; sleep 6
echo "1h: $(rank_of 1h $NEW)"
echo "== 3. a 1,000-event backdated replay by one viewer"
R=$(curl -s "$B/v1/trending/videos?window=24h&limit=50" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).videos[49].videoId))')
echo "rank 50 before: $(rank_of 24h $R)"
EV=$(node -e 'const id=process.argv[1];const now=Date.now();console.log(JSON.stringify({events:Array.from({length:100},(_,i)=>({videoId:id,viewerId:"replayer",eventType:"view_end",watchMs:6000,durationMs:6000,timestamp:new Date(now-(i+1)*3500000).toISOString()}))}))' $R)
for i in $(seq 10); do curl -s -o /dev/null -w '%{http_code} ' -XPOST $B/v1/events/views -H 'content-type: application/json' -H 'cf-connecting-ip: 198.51.100.88' -d "$EV"; done; echo
precompute; sleep 6
echo "rank 50 after:  $(rank_of 24h $R)"
echo "== 4. a claimed idempotency key does not swallow another network's view"
V=$(node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))')
K=claimed-key-123456
curl -s -XPOST $B/v1/events/views -H 'content-type: application/json' -H 'cf-connecting-ip: 198.51.100.99' -d "{\"videoId\":\"$V\",\"viewerId\":\"thief\",\"eventType\":\"view_end\",\"idempotencyKey\":\"$K\"}"; echo " (claimer, network A)"
curl -s -XPOST $B/v1/events/views -H 'content-type: application/json' -H 'cf-connecting-ip: 203.0.113.50' -d "{\"videoId\":\"$V\",\"viewerId\":\"victim\",\"eventType\":\"view_end\",\"idempotencyKey\":\"$K\"}"; echo " (victim, network B)"
# The 202 says the events were enqueued; what was counted shows once the consumer committed them.
sleep 3
curl -s "$B/v1/admin/explain?videoId=$V&window=1h" -H "authorization: Bearer $TOKEN" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const b=JSON.parse(s);console.log(`counted: ${b.parts.views} views (2 expected: the claim swallowed nothing)`)})'
