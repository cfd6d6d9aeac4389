// The notice outbox: queued notices, their deliveries, members' addresses.
#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "parse_name.h"
#include "txn_impl.h"

namespace vault {
namespace {

constexpr char kDeliveryColumns[] =
    "d.id, d.notice_id, d.channel, d.member_id, d.address, d.state, d.attempts, "
    "d.next_attempt_ms, d.last_error, d.delivered_ms, d.ended_ms, n.kind, n.text, n.details, "
    "n.created_ms FROM notice_deliveries d JOIN notices n ON n.id = d.notice_id";

constexpr std::array kDeliveryChannels = {DeliveryChannel::kWebhook, DeliveryChannel::kEmail};
constexpr std::array kDeliveryStates = {DeliveryState::kPending, DeliveryState::kDelivered,
                                        DeliveryState::kFailed, DeliveryState::kSkipped};

Result<DeliveryChannel> ParseDeliveryChannel(std::string_view name) {
  return ParseName("delivery channel", name, kDeliveryChannels, DeliveryChannelName);
}

Result<DeliveryState> ParseDeliveryState(std::string_view name) {
  return ParseName("delivery state", name, kDeliveryStates, DeliveryStateName);
}

Result<Delivery> ReadDeliveryRow(Statement& st) {
  Delivery d;
  return OnceOk(
      st.Columns(d.id, d.notice_id, Named(d.channel, ParseDeliveryChannel), d.member_id, d.address,
                 Named(d.state, ParseDeliveryState), d.attempts, d.next_attempt_ms, d.last_error,
                 d.delivered_ms, d.ended_ms, d.kind, d.text, d.details, d.created_ms),
      d);
}

// Keeps a whole UTF-8 sequence at the cut, so the text stays valid.
std::string CutUtf8(std::string s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
  return s;
}

}  // namespace

Result<std::vector<Delivery>> TxnImpl::ListDueDeliveries(int64_t now_ms, int64_t limit) {
  return db_.Rows(std::string("SELECT ") + kDeliveryColumns +
                      " WHERE d.state = 'pending' AND d.next_attempt_ms <= ? "
                      "ORDER BY d.next_attempt_ms, d.id LIMIT ?",
                  ReadDeliveryRow, now_ms, limit);
}

Result<std::vector<Delivery>> TxnImpl::ListDeliveries(int64_t notice_id) {
  return db_.Rows(
      std::string("SELECT ") + kDeliveryColumns + " WHERE ? = 0 OR d.notice_id = ? ORDER BY d.id",
      ReadDeliveryRow, notice_id, notice_id);
}

Status TxnImpl::EnqueueNotice(const Notice& notice) {
  if (notice.kind.empty() || notice.text.empty()) {
    return Status::InvalidArgument("a notice needs a kind and a text");
  }
  auto details = nlohmann::json::parse(notice.details, nullptr, /*allow_exceptions=*/false);
  if (details.is_discarded() || !details.is_object()) {
    return Status::InvalidArgument("notice details must be a JSON object");
  }
  // Resolve addresses now: a later change of address or a removal does not
  // redirect a notice already queued.
  std::vector<std::pair<std::string, std::string>> mail;  // member id, address
  for (const std::string& id : notice.member_ids) {
    if (std::any_of(mail.begin(), mail.end(), [&](const auto& m) { return m.first == id; })) {
      continue;
    }
    auto m = GetMember(id);
    if (!m) return m.error();
    if (m->status == MemberStatus::kActive && !m->email.empty()) mail.emplace_back(id, m->email);
  }
  const int64_t now = NowMs();
  {
    if (Status s =
            db_.Run("INSERT INTO notices (kind, text, details, created_ms) VALUES (?, ?, ?, ?)",
                    notice.kind, notice.text, details.dump(), now);
        !s.ok()) {
      return s.WithContext("queue notice");
    }
  }
  const int64_t notice_id = db_.LastInsertRowId();
  constexpr std::string_view kInsertDelivery =
      "INSERT INTO notice_deliveries (notice_id, channel, member_id, address, next_attempt_ms) "
      "VALUES (?, ?, ?, ?, ?)";
  if (Status s = db_.Run(kInsertDelivery, notice_id, "webhook", "", "", now); !s.ok()) {
    return s.WithContext("queue notice");
  }
  for (const auto& [member_id, address] : mail) {
    if (Status s = db_.Run(kInsertDelivery, notice_id, "email", member_id, address, now); !s.ok()) {
      return s.WithContext("queue notice");
    }
  }
  return Status::OK();
}

Status TxnImpl::SetMemberEmail(const Actor& actor, const std::string& member_id,
                               const std::string& email) {
  auto m = GetMember(member_id);
  if (!m) return m.error();
  if (m->status != MemberStatus::kActive) {
    return Status::FailedPrecondition("member " + member_id + " was removed");
  }
  if (Status s = db_.Run("UPDATE members SET email = ? WHERE id = ?", email, member_id); !s.ok()) {
    return s;
  }
  return Append(actor, "member.email", "member:" + member_id, {{"set", !email.empty()}});
}

Status TxnImpl::RecordDeliveryAttempt(int64_t delivery_id, DeliveryState state,
                                      const std::string& error, int64_t next_attempt_ms) {
  auto current = Required(
      db_.Row("SELECT state FROM notice_deliveries WHERE id = ?", ReadText0, delivery_id), [&] {
        return Status::NotFound("delivery " + std::to_string(delivery_id) + " does not exist");
      });
  if (!current) return current.error();
  if (*current != "pending") {
    return Status::FailedPrecondition("delivery " + std::to_string(delivery_id) + " is " +
                                      *current);
  }
  const int64_t now = NowMs();
  const bool ended = state != DeliveryState::kPending;
  const auto now_if = [now](bool b) { return b ? std::optional<int64_t>(now) : std::nullopt; };
  return db_.Run(
      "UPDATE notice_deliveries SET state = ?, attempts = attempts + ?, "
      "next_attempt_ms = ?, last_error = ?, delivered_ms = ?, ended_ms = ? "
      "WHERE id = ?",
      DeliveryStateName(state), int64_t{state == DeliveryState::kSkipped ? 0 : 1},
      state == DeliveryState::kPending ? next_attempt_ms : now, CutUtf8(error, 200),
      now_if(state == DeliveryState::kDelivered), now_if(ended), delivery_id);
}

Result<int64_t> TxnImpl::PruneNotices(const Actor& actor, int64_t created_before_ms) {
  // A notice goes only with all of its deliveries over: one still pending
  // may yet be delivered, however old it is.
  constexpr const char* kPrunable =
      "SELECT id FROM notices WHERE created_ms < ? AND NOT EXISTS (SELECT 1 FROM "
      "notice_deliveries d WHERE d.notice_id = notices.id AND d.state = 'pending')";
  for (const char* head : {"DELETE FROM notice_deliveries WHERE notice_id IN (",
                           "DELETE FROM notices WHERE id IN ("}) {
    if (Status s = db_.Run(std::string(head) + kPrunable + ")", created_before_ms); !s.ok()) {
      return Fail(s.WithContext("prune notices"));
    }
  }
  const int64_t pruned = db_.Changes();
  if (pruned == 0) return pruned;
  return OnceOk(Append(actor, "notices.prune", "notices",
                       {{"created_before_ms", created_before_ms}, {"notices", pruned}}),
                pruned);
}

std::string_view DeliveryChannelName(DeliveryChannel c) {
  return c == DeliveryChannel::kEmail ? "email" : "webhook";
}

std::string_view DeliveryStateName(DeliveryState s) {
  switch (s) {
    case DeliveryState::kPending: return "pending";
    case DeliveryState::kDelivered: return "delivered";
    case DeliveryState::kFailed: return "failed";
    case DeliveryState::kSkipped: return "skipped";
  }
  return "failed";
}

}  // namespace vault
