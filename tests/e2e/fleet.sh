# A fleet of 300 test-driver hosts, all called "vm", over 4 nights (one collect --uri-file a
# night): one host's pool fills first and leads the summary; every host has a label of its
# own; no pools are taken for shared storage, since the pools of each host differ.
. "$(dirname "$0")/lib.sh"

hosts=300
nodes=$tmp/nodes
i=0
while [ "$i" -lt "$hosts" ]; do
	printf 'test://%s/h%04d.xml\n' "$nodes" "$i"
	i=$((i + 1))
done >"$tmp/uris"
hot="test://$nodes/h0137.xml"
for n in 0 1 2 3; do
	sh "$fixtures/fleet/gen.sh" "$nodes" "$hosts" "$n"
	run -q collect --uri-file "$tmp/uris" --at "2026-11-1${n}T03:00:00Z"
	expect_rc 0 "collect night $n of $hosts hosts"
done

run report --format json --until 2026-11-13T03:00:00Z
expect_rc 0 "fleet report, JSON"
expect_eq "$(json 'j["summary"]["hosts"], j["summary"]["pools"], j["summary"]["volumes"], j["summary"]["storage"]')" \
	"300 900 1500 900" "summary counts hosts, pools, volumes, storage"
expect_eq "$(json 'j["summary"]["storage_filling_within_warn_days"], j["summary"]["volumes_filling_within_warn_days"]')" \
	"1 1" "within 30 days: the hot pool and its volume"
# what fills first, fleet-wide: the hot host's pool, then its volume, then the slow volumes
expect_eq "$(json 'j["act_first"][0]["object"], j["act_first"][0]["uri"], j["act_first"][0]["pools"]')" \
	"storage $hot ['data']" "the hot pool first"
expect_eq "$(json 'j["act_first"][1]["object"], j["act_first"][1]["uri"], j["act_first"][1]["name"], j["act_first"][1]["days_to_full"]')" \
	"volume $hot hot.qcow2 21.5" "its volume second"
expect_eq "$(json 'j["fills_first"]["object"], j["fills_first"]["name"]')" "pool data" "fills_first"
expect_eq "$(json 'j["hosts"][0]["uri"], j["hosts"][0]["fills_first"]["object"], j["hosts"][0]["filling_within_warn_days"]')" \
	"$hot storage 2" "the hot host heads the hosts"
expect_eq "$(json 'len(j["hosts"]), len(set(h["label"] for h in j["hosts"]))')" "300 300" \
	"a label unique per host"
expect_eq "$(json 'j["hosts"][0]["host"], j["hosts"][0]["label"]')" "vm vm ($hot)" \
	"hosts of one hostname are labelled with their URI"
# the hosts after it: soonest full first (the slow volume of the highest host number)
expect_eq "$(json 'j["hosts"][1]["uri"], j["hosts"][1]["fills_first"]["name"]')" \
	"test://$nodes/h0299.xml slow.qcow2" "then by what fills first"
expect_eq "$(json 'sum(len(p["shares_storage_with"]) for p in j["pools"]), sum(len(s["pools"]) > 1 for s in j["storage"])')" \
	"0 0" "test-driver pools that differ share no storage"
expect_eq "$(json 'len(j["volumes"]), len(j["pools"])')" "1500 900" "the JSON is complete"

# A label from the config names the host.
printf 'host = hot-one %s\n' "$hot" >"$tmp/conf"
run --config "$tmp/conf" report --format json --until 2026-11-13T03:00:00Z
expect_rc 0 "report with a host label"
expect_eq "$(json 'j["hosts"][0]["label"], j["hosts"][0]["host"], j["hosts"][1]["label"]')" \
	"hot-one vm vm (test://$nodes/h0299.xml)" "the config's label"

echo "fleet.sh: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
