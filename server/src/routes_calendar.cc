// The calendar feed: a member's revocable, read-only iCalendar of the due
// dates of the items they are responsible for (admins: of every item they
// can see). GET /v1/calendar/<token>.ics needs no session: the token is the
// credential, so it is random, stored hashed, rate-limited per address and
// every fetch is audited.
#include <algorithm>
#include <cstring>
#include <tuple>

#include "server_impl.h"
#include "vault/calendar_feed.h"
#include "vault/ical.h"
#include "vault/rotation.h"
#include "vault/time_format.h"

namespace server::internal {
namespace {

constexpr size_t kFeedTokenBytes = 32;  // 256 bits
constexpr char kIcsSuffix[] = ".ics";

// The same answer for an unknown or a revoked token: a guesser learns
// nothing from it.
void NoSuchFeed(httplib::Response& res) {
  SendError(res, {404, "not_found", "no such calendar feed"});
}

// The token's hash if `segment` is "<64 hex digits>.ics".
std::optional<crypto::Hash> FeedTokenHash(const std::string& segment) {
  const size_t hex_len = kFeedTokenBytes * 2;
  if (segment.size() != hex_len + std::strlen(kIcsSuffix) || !segment.ends_with(kIcsSuffix)) {
    return std::nullopt;
  }
  const std::string_view hex = std::string_view(segment).substr(0, hex_len);
  // Lower case only, as the server writes it: one spelling per token.
  if (std::any_of(hex.begin(), hex.end(), [](char ch) { return ch >= 'A' && ch <= 'F'; })) {
    return std::nullopt;
  }
  auto bytes = crypto::FromHex(hex);
  if (!bytes || bytes->size() != kFeedTokenBytes) return std::nullopt;
  return crypto::Blake2b256(*bytes);
}

// The events of the feed: one per item in scope, on its due date.
Result<std::vector<vault::ical::Event>> FeedEvents(vault::ReadTxn& t,
                                                   const vault::calendar::Feed& feed,
                                                   const vault::Member& member,
                                                   vault::TimePoint now) {
  // Access as it is now: a member removed from a collection stops seeing it.
  const bool everything =
      feed.all && (member.role == TeamRole::kOwner || member.role == TeamRole::kAdmin);
  std::vector<std::string> collections;
  if (everything) {
    auto all = t.ListCollections();
    if (!all) return Fail(all.error());
    for (const auto& c : *all) collections.push_back(c.id);
  } else {
    auto mine = t.ListAccessibleCollections(member.id);
    if (!mine) return Fail(mine.error());
    collections = std::move(*mine);
  }
  std::vector<vault::ical::Event> events;
  for (const std::string& id : collections) {
    auto items = t.ListItems(id);
    if (!items) return Fail(items.error());
    for (const vault::ItemMeta& it : *items) {
      if (!feed.all && it.responsible_id != member.id) continue;
      vault::RotationFlags flags;
      for (const auto& f : it.flags) {
        flags.Raise({f.kind, f.reason, vault::FromUnixMs(f.raised_ms)});
      }
      const vault::DueInfo due =
          vault::ComputeDue(now, vault::FromUnixMs(it.last_rotated_ms),
                            std::chrono::days(it.rotation_period_s / 86400), flags);
      const int64_t due_ms = vault::ToUnixMs(due.due_at);
      std::string day = vault::FormatUtc(due_ms, vault::UtcFormat::kDate);
      std::erase(day, '-');
      // Item id and due date: the same event on every fetch until the
      // rotation moves the date, and never a secret or a username.
      events.push_back(
          {it.id + "-" + day + "@baton", due_ms, "Rotate " + it.name + " (" + it.channel + ")"});
    }
  }
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
    return std::tie(a.day_ms, a.uid) < std::tie(b.day_ms, b.uid);
  });
  return events;
}

}  // namespace

void ServerImpl::CreateCalendarFeed(const httplib::Request& req, httplib::Response& res,
                                    const Caller& c) {
  auto body =
      Body::Parse(req.body.empty() ? "{}" : req.body, vault::api::RequestBody("POST /v1/calendar"));
  if (!body) return SendError(res, body.error());
  const bool all = body->Has("all") && body->Bool("all");
  if (all && c.role != TeamRole::kOwner && c.role != TeamRole::kAdmin) {
    return SendError(
        res, {403, "permission_denied", "only owners and admins may have a feed of every item"});
  }
  const crypto::Bytes token = crypto::RandomBytes(env_, kFeedTokenBytes);
  vault::calendar::Feed feed;
  feed.token_hash = crypto::Blake2b256(token);
  feed.member_id = c.member.id;
  feed.all = all;
  feed.created_ms = vault::ToUnixMs(env_.Now());
  if (!WriteOr(res,
               [&](vault::WriteTxn& t) { return vault::calendar::PutFeed(t, c.actor(), feed); })) {
    return;
  }
  SendJson(res, 201, {{"path", "/v1/calendar/" + crypto::ToHex(token) + kIcsSuffix}, {"all", all}});
}

void ServerImpl::RevokeCalendarFeed(const httplib::Request&, httplib::Response& res,
                                    const Caller& c) {
  if (WriteOr(res, [&](vault::WriteTxn& t) {
        return vault::calendar::DeleteFeed(t, c.actor(), c.member.id);
      })) {
    SendJson(res, 200, {{"revoked", true}});
  }
}

void ServerImpl::CalendarFeed(const httplib::Request& req, httplib::Response& res, const Caller&) {
  const std::string limit_key = "calendar:" + req.remote_addr;
  if (auto wait = calendar_limiter_.RetryAfter(limit_key)) {
    res.set_header("Retry-After", std::to_string(wait->count()));
    return SendError(
        res, {429, "rate_limited",
              "too many calendar fetches; try again in " + std::to_string(wait->count()) + " s"});
  }
  calendar_limiter_.Record(limit_key);
  const auto hash = FeedTokenHash(req.matches[1]);
  if (!hash) {
    return SendError(res, BadRequest("bad_id",
                                     "the feed's token must be 64 lower-case hex "
                                     "digits followed by .ics"));
  }
  std::string body;
  const Status s = vault_.Write([&](vault::WriteTxn& t) -> Status {
    auto feed = vault::calendar::FindFeed(t, *hash);
    if (!feed) return feed.error();
    auto member = t.GetMember(feed->member_id);
    if (!member) return member.error();
    // A removed member's feed ends with their membership.
    if (member->status != vault::MemberStatus::kActive) {
      return Status::NotFound("no such calendar feed");
    }
    const vault::TimePoint now = env_.Now();
    auto events = FeedEvents(t, *feed, *member, now);
    if (!events) return events.error();
    body = vault::ical::Calendar("baton: " + member->name, vault::ToUnixMs(now), *events);
    return t.Record(
        {"server"}, "calendar.fetch", "member:" + member->id,
        json{{"address", req.remote_addr}, {"all", feed->all}, {"events", events->size()}}.dump());
  });
  if (s.IsNotFound()) return NoSuchFeed(res);
  if (!s.ok()) return SendFailure(res, s, Conflicts::kByStatus);
  res.set_header("Cache-Control", "no-store");
  res.set_header("Referrer-Policy", "no-referrer");
  res.status = 200;
  res.set_content(body, "text/calendar; charset=utf-8");
}

void ServerImpl::RegisterCalendarRoutes() {
  static constexpr Route kRoutes[] = {
      {"POST", "/v1/calendar", &ServerImpl::CreateCalendarFeed},
      {"DELETE", "/v1/calendar", &ServerImpl::RevokeCalendarFeed},
      {"GET", "/v1/calendar/:token", &ServerImpl::CalendarFeed},
  };
  RegisterAll(kRoutes);
}

}  // namespace server::internal
