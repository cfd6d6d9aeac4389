#include <algorithm>
#include <charconv>

#include "backup.h"
#include "vault/time_format.h"

namespace server {
namespace {

constexpr std::string_view kPrefix = "batond-";
constexpr std::string_view kSuffix = ".age";

// "batond-20260131T140509Z.age": sorting by name sorts by time.
std::string BackupName(vault::TimePoint t) {
  std::string iso = vault::FormatUtc(vault::ToUnixMs(t), vault::UtcFormat::kIso8601).substr(0, 19);
  std::erase(iso, '-');
  std::erase(iso, ':');
  return std::string(kPrefix) + iso + "Z" + std::string(kSuffix);
}

// The time a backup name carries, or nullopt for another file.
std::optional<vault::TimePoint> BackupTime(std::string_view name) {
  if (name.size() != kPrefix.size() + 16 + kSuffix.size() || !name.starts_with(kPrefix) ||
      !name.ends_with(kSuffix)) {
    return std::nullopt;
  }
  const std::string_view t = name.substr(kPrefix.size(), 16);  // 20260131T140509Z
  auto num = [&](size_t at, size_t len) -> std::optional<int> {
    int v = 0;
    auto [p, ec] = std::from_chars(t.data() + at, t.data() + at + len, v);
    if (ec != std::errc() || p != t.data() + at + len) return std::nullopt;
    return v;
  };
  auto y = num(0, 4), mo = num(4, 2), d = num(6, 2), h = num(9, 2), mi = num(11, 2), s = num(13, 2);
  if (!y || !mo || !d || !h || !mi || !s || t[8] != 'T' || t[15] != 'Z') return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(*y),
                                        std::chrono::month(static_cast<unsigned>(*mo)),
                                        std::chrono::day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) return std::nullopt;
  return vault::TimePoint(std::chrono::sys_days(ymd).time_since_epoch() + std::chrono::hours(*h) +
                          std::chrono::minutes(*mi) + std::chrono::seconds(*s));
}

}  // namespace

vault::Result<std::optional<BackupWritten>> BackupSchedule::RunIfDue(vault::Env& env) {
  auto names = env.ListDir(plan_.dir);
  if (!names) return vault::Fail(names.error().WithContext("backup_dir"));
  std::vector<std::string> backups;
  for (const std::string& n : *names) {
    if (BackupTime(n)) backups.push_back(n);
  }
  std::sort(backups.begin(), backups.end());
  const vault::TimePoint now = env.Now();
  if (!backups.empty() && now - *BackupTime(backups.back()) < plan_.interval) return std::nullopt;
  const std::string name = BackupName(now);
  auto written = WriteBackup(env, source_, plan_.dir + "/" + name);
  if (!written) return vault::Fail(written.error());
  if (backups.empty() || backups.back() != name) backups.push_back(name);
  const size_t keep = static_cast<size_t>(plan_.keep);
  for (size_t i = 0; i + keep < backups.size(); ++i) {
    if (vault::Status s = env.RemoveFile(plan_.dir + "/" + backups[i]); !s.ok()) {
      return vault::Fail(s.WithContext("pruning old backups"));
    }
  }
  return std::optional<BackupWritten>(*written);
}

}  // namespace server
