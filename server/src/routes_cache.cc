// The client's offline cache: filling it (one audited read per collection),
// the per-collection switch, and reads made offline reported afterwards.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <mutex>

#include "server_impl.h"
#include "vault/api_json_cache.h"

namespace server::internal {

namespace {

// A client clock may run a little ahead of the server's.
constexpr int64_t kClockSkewMs = 5 * 60 * 1000;
// Older reports are refused: the cache cannot be that old without a contact.
constexpr int64_t kMaxReportAgeMs = int64_t{366} * 86400 * 1000;
constexpr size_t kMaxReportsPerBatch = 1000;
// The offline-reads quota counts per UTC day.
constexpr int64_t kDayMs = int64_t{86400} * 1000;

}  // namespace

void ServerImpl::CollectionCache(const httplib::Request& req, httplib::Response& res,
                                 const Caller& c) {
  const std::string id = req.matches[1];
  int64_t since_ms = 0;
  if (req.has_param("since_ms")) {
    const std::string v = req.get_param_value("since_ms");
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), since_ms);
    if (ec != std::errc() || ptr != v.data() + v.size() || since_ms < 0 ||
        since_ms > (int64_t{1} << 53)) {
      return SendError(res, BadRequest("bad_parameter", "since_ms must be 0 to 2^53"));
    }
  }
  // Checked before the audited read so that a client learns the switch
  // with a code it can act on (drop the collection from its cache).
  bool allowed = true;
  if (!ReadOr(res, [&](vault::ReadTxn& t) -> Status {
        auto col = t.GetCollection(id);
        if (!col) return col.error();
        allowed = col->offline_cache;
        return Status::OK();
      })) {
    return;
  }
  if (!allowed) {
    return SendError(res, {409, "offline_cache_disabled",
                           "an admin turned the offline cache off for this collection"});
  }
  vault::api::CacheAnswer out;
  out.collection_id = id;
  out.as_of_ms = Millis(env_.Now());
  if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
        auto col = t.GetCollection(id);
        if (!col) return col.error();
        out.key_version = col->key_version;
        // Owners and admins may hold no key of their own: nothing to cache
        // then but the listing, and the client skips the collection.
        auto key = t.GetSealedKey(id, vault::KeyHolder::kMember, c.member.id);
        if (key && key->key_version == col->key_version) {
          out.sealed_key = key->sealed;
        } else if (!key && !key.error().IsNotFound()) {
          return key.error();
        }
        auto all = t.ListItems(id);
        if (!all) return all.error();
        for (const auto& m : *all) out.current.push_back({m.id, m.version});
        auto changed = t.FetchForCache(c.actor(), id, since_ms);
        if (!changed) return changed.error();
        out.items = std::move(*changed);
        return Status::OK();
      })) {
    SendJson(res, 200, vault::api::CacheAnswerToJson(out));
  }
}

void ServerImpl::SetCollectionCaching(const httplib::Request& req, httplib::Response& res,
                                      const Caller& c) {
  const std::string id = req.matches[1];
  if (!IsId(id)) {
    return SendError(res,
                     BadRequest("bad_id", "the id in the path must be 32 lower-case hex digits"));
  }
  auto body = Body::Parse(req.body, vault::api::RequestBody("PATCH /v1/collections/:id"));
  if (!body) return SendError(res, body.error());
  json out;
  if (WriteOr(res, [&](vault::WriteTxn& t) -> Status {
        if (Status s = t.SetCollectionOfflineCache(c.actor(), id, body->Bool("offline_cache"));
            !s.ok()) {
          return s;
        }
        auto col = t.GetCollection(id);
        if (!col) return col.error();
        out = CollectionToJson(*col);
        return Status::OK();
      })) {
    SendJson(res, 200, out);
  }
}

void ServerImpl::ReportOfflineReads(const httplib::Request& req, httplib::Response& res,
                                    const Caller& c) {
  auto body = Body::Parse(req.body, vault::api::RequestBody("POST /v1/offline-reads"));
  if (!body) return SendError(res, body.error());
  const json& reads = body->Json("reads");
  if (reads.empty() || reads.size() > kMaxReportsPerBatch) {
    return SendError(
        res, BadRequest("bad_reads", "reads must hold 1 to " + std::to_string(kMaxReportsPerBatch) +
                                         " reports"));
  }
  const int64_t now_ms = Millis(env_.Now());
  struct Report {
    std::string id, item_id;
    int64_t read_ms, version;
  };
  std::vector<Report> reports;
  for (const json& r : reads) {
    if (!r.is_object()) {
      return SendError(res, BadRequest("bad_reads", "each read must be a JSON object"));
    }
    auto one = Body::Parse(r, vault::api::RequestBody("POST /v1/offline-reads reads[]"));
    if (!one) return SendError(res, one.error());
    if (!IsId(one->Str("id")) || !IsId(one->Str("item_id"))) {
      return SendError(res,
                       BadRequest("bad_id", "id and item_id must be 32 lower-case hex digits"));
    }
    const int64_t read_ms = one->Int("read_ms");
    if (read_ms > now_ms + kClockSkewMs || read_ms < now_ms - kMaxReportAgeMs) {
      return SendError(res, BadRequest("bad_time",
                                       "read_ms must lie in the past year, not in "
                                       "the future"));
    }
    if (one->Int("version") < 1) {
      return SendError(res, BadRequest("bad_version", "version must be 1 or more"));
    }
    reports.push_back({one->Str("id"), one->Str("item_id"), read_ms, one->Int("version")});
  }
  if (!TakeOfflineQuota(res, c, static_cast<int64_t>(reports.size()), now_ms)) return;
  std::vector<std::string> acknowledged;
  const bool written = WriteOr(res, [&](vault::WriteTxn& t) -> Status {
    for (const Report& r : reports) {
      // Recorded even if the item is gone since or the access was
      // revoked meanwhile: the read happened, and the log must show it.
      auto meta = t.GetItemMeta(r.item_id);
      if (!meta && !meta.error().IsNotFound()) return meta.error();
      json details = {{"reported_by", "client"},
                      {"read_ms", r.read_ms},
                      {"version", r.version},
                      {"report_id", r.id},
                      {"item_known", meta.has_value()}};
      if (meta) details["collection"] = meta->collection_id;
      if (Status s = t.Record(c.actor(), "item.read.offline", "item:" + r.item_id, details.dump());
          !s.ok()) {
        return s;
      }
      acknowledged.push_back(r.id);
    }
    return Status::OK();
  });
  if (!written) {
    // Nothing was recorded: the client sends the batch again.
    std::lock_guard lock(offline_mu_);
    int64_t& used = offline_reads_[c.member.id].used;
    used = std::max<int64_t>(0, used - static_cast<int64_t>(reports.size()));
    return;
  }
  SendJson(res, 200, vault::api::AcknowledgedToJson(acknowledged));
}

bool ServerImpl::TakeOfflineQuota(httplib::Response& res, const Caller& c, int64_t reads,
                                  int64_t now_ms) {
  const int64_t day = now_ms / kDayMs;
  int64_t used = 0;
  bool first_refusal = false;
  {
    std::lock_guard lock(offline_mu_);
    OfflineQuota& q = offline_reads_[c.member.id];
    if (q.day != day) q = {day, 0, false};
    if (q.used + reads <= config_.offline_reads_per_day) {
      q.used += reads;
      return true;
    }
    used = q.used;
    first_refusal = !q.limited;
    q.limited = true;
  }
  if (first_refusal) {
    const json details = {{"per_day", config_.offline_reads_per_day},
                          {"used", used},
                          {"refused", reads},
                          {"day_start_ms", day * kDayMs}};
    if (!WriteOr(res, [&](vault::WriteTxn& t) {
          return t.Record(c.actor(), "offline_reads.limited", "member:" + c.member.id,
                          details.dump());
        })) {
      return false;
    }
  }
  const int64_t wait_s = ((day + 1) * kDayMs - now_ms + 999) / 1000;
  res.set_header("Retry-After", std::to_string(wait_s));
  SendError(res, {429, "rate_limited",
                  "this member reported " + std::to_string(config_.offline_reads_per_day) +
                      " offline reads today, the most allowed; try again in " +
                      std::to_string(wait_s) + " s"});
  return false;
}

void ServerImpl::RegisterCacheRoutes() {
  static constexpr Route kRoutes[] = {
      {"GET", "/v1/collections/:id/cache", &ServerImpl::CollectionCache},
      {"PATCH", "/v1/collections/:id", &ServerImpl::SetCollectionCaching},
      {"POST", "/v1/offline-reads", &ServerImpl::ReportOfflineReads},
  };
  RegisterAll(kRoutes);
}

}  // namespace server::internal
