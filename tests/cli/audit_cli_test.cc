// baton audit log / verify / export and baton due, driven through cli::Run
// against a real batond (ServerFixture). Tampering goes straight to the
// server's SQLCipher file, as an attacker with the database key would.
#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "cli/cli_fixture.h"
#include "cli/exit_codes.h"
#include "cli/main.h"
#include "vault/rotation.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;
namespace crypto = vault::crypto;

// RFC 4180 records (CRLF or LF line ends; quoted fields may hold anything).
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, field_started = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"' && !field_started) {
      quoted = field_started = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field += c;
      field_started = true;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quoted field";
  if (field_started || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string ReadText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

class AuditCliTest : public testing_util::CliFixture {
 protected:
  // Stops the server, closes the vault, runs `sql` on the raw SQLCipher file,
  // reopens the vault (so its cached chain head is re-read) and restarts the
  // server on the same port (the profile pins the URL).
  void TamperWithDatabase(const std::string& sql) {
    StopServer();
    vault_.reset();
    const std::string path = dir_.File("vault.db");
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    const std::string spec = "x'" + crypto::ToHex(keys_->db_key().bytes()) + "'";
    ASSERT_EQ(sqlite3_key(db, spec.data(), static_cast<int>(spec.size())), SQLITE_OK);
    char* error = nullptr;
    const std::string all = "PRAGMA cipher_page_size = 4096; " + sql;
    const int rc = sqlite3_exec(db, all.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    EXPECT_GT(sqlite3_changes(db), 0) << sql;
    sqlite3_close(db);
    auto v = vault::Store::Open(
        {.env = &env_, .key = &keys_->db_key(), .mode = vault::OpenMode::kOpenExisting}, path);
    ASSERT_TRUE(v.has_value()) << v.error().ToString();
    vault_ = std::move(*v);
    config_.port = port_;
    StartServer();
  }
};

TEST_F(AuditCliTest, LogShowsEventsAsTextAndJson) {
  testing_util::Account owner = Join("owner", "Mari");
  const std::string col = CreateCollection(owner, "Sotsiaalmeedia");
  ASSERT_EQ(CreateItem(owner, col, "Facebook page", "hunter2").status, 201);
  ASSERT_NO_FATAL_FAILURE(CliJoin("auditor", "Tõnu"));

  CliResult text = Baton({"audit", "log"});
  ASSERT_EQ(text.code, 0) << text.err;
  // One line per event: seq, ISO time, actor name (resolved), action, target.
  std::istringstream lines(text.out);
  std::string first;
  std::getline(lines, first);
  EXPECT_EQ(first.rfind("1  2026-01-01T00:00:00Z  ", 0), 0u) << text.out;
  EXPECT_NE(text.out.find("  Mari  "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  Tõnu  "), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("  " + owner.member_id + "  "), std::string::npos)
      << "actors by name, not id:\n"
      << text.out;

  CliResult js = Baton({"--json", "audit", "log", "--from", "2", "--limit", "3"});
  ASSERT_EQ(js.code, 0) << js.err;
  const json j = json::parse(js.out);
  ASSERT_EQ(j["events"].size(), 3u) << js.out;
  EXPECT_EQ(j["events"][0]["seq"], 2);
  EXPECT_EQ(j["events"][2]["seq"], 4);
  for (const char* field :
       {"seq", "time_ms", "actor", "action", "target", "details", "prev_hash", "hash"}) {
    EXPECT_TRUE(j["events"][0].contains(field)) << field;
  }
  EXPECT_EQ(j["events"][1]["prev_hash"], j["events"][0]["hash"]);
  // --json after the subcommand works too (the flag falls through).
  CliResult js2 = Baton({"audit", "log", "--limit", "1", "--json"});
  ASSERT_EQ(js2.code, 0) << js2.err;
  EXPECT_EQ(json::parse(js2.out)["events"].size(), 1u);
}

TEST_F(AuditCliTest, VerifyPassesThenCatchesARewrittenEvent) {
  testing_util::Account owner = Join("owner", "Mari");
  const std::string col = CreateCollection(owner, "Sotsiaalmeedia");
  ASSERT_EQ(CreateItem(owner, col, "Facebook page", "hunter2").status, 201);
  ASSERT_NO_FATAL_FAILURE(CliJoin("auditor", "Tõnu"));

  CliResult ok = Baton({"audit", "verify"});
  ASSERT_EQ(ok.code, 0) << ok.out << ok.err;
  EXPECT_EQ(ok.out.rfind("OK: ", 0), 0u) << ok.out;
  EXPECT_NE(ok.out.find(" checkpoints verified, head seq "), std::string::npos) << ok.out;

  // The head is pinned in the profile, 0600.
  const std::string pin_path = profile_dir() + "/audit-head.json";
  const json pin = json::parse(ReadText(pin_path));
  struct stat st {};
  ASSERT_EQ(::stat(pin_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const int64_t head = AuditLength();
  EXPECT_EQ(pin["seq"], head);
  EXPECT_NE(
      ok.out.find("head seq " + std::to_string(head) + " hash " + pin["hash"].get<std::string>()),
      std::string::npos)
      << ok.out;

  // Verifying again moves the pin forward (sign-in wrote events).
  CliResult again = Baton({"--json", "audit", "verify"});
  ASSERT_EQ(again.code, 0) << again.out << again.err;
  const json aj = json::parse(again.out);
  EXPECT_TRUE(aj["ok"]);
  EXPECT_GT(aj["head"]["seq"].get<int64_t>(), head);
  EXPECT_GE(aj["checkpoints_verified"].get<int64_t>(), 1);

  ASSERT_NO_FATAL_FAILURE(TamperWithDatabase("UPDATE audit_events SET actor = 'x' WHERE seq = 3;"));
  const std::string pin_before = ReadText(pin_path);
  CliResult bad = Baton({"audit", "verify"});
  EXPECT_EQ(bad.code, cli::kExitTampered) << bad.out << bad.err;
  EXPECT_EQ(bad.code, 9);
  EXPECT_NE(bad.out.find("at seq 3: "), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("modified"), std::string::npos) << bad.out;
  EXPECT_EQ(ReadText(pin_path), pin_before) << "a failed verification must not move the pin";

  CliResult bad_json = Baton({"--json", "audit", "verify"});
  EXPECT_EQ(bad_json.code, 9);
  const json bj = json::parse(bad_json.out);
  EXPECT_FALSE(bj["ok"]);
  EXPECT_EQ(bj["first_bad_seq"], 3);
}

TEST_F(AuditCliTest, VerifyCatchesTruncationAfterThePinnedHead) {
  testing_util::Account owner = Join("owner", "Mari");
  const std::string col = CreateCollection(owner, "Sotsiaalmeedia");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(CreateItem(owner, col, "Item " + std::to_string(i), "pw").status, 201);
  }
  ASSERT_NO_FATAL_FAILURE(CliJoin("auditor", "Tõnu"));
  CliResult ok = Baton({"audit", "verify"});
  ASSERT_EQ(ok.code, 0) << ok.out << ok.err;
  const int64_t pinned = json::parse(ReadText(profile_dir() + "/audit-head.json"))["seq"];
  ASSERT_GT(pinned, 6);

  // Drop the last events and every checkpoint that covered them: the chain
  // that is left is internally consistent, so only the pin can tell.
  const std::string cut = std::to_string(pinned - 3);
  ASSERT_NO_FATAL_FAILURE(TamperWithDatabase("DELETE FROM audit_events WHERE seq > " + cut +
                                             "; DELETE FROM audit_checkpoints WHERE seq > " + cut +
                                             ";"));
  // Signing in writes a new event at pinned - 2: the log now ends before the
  // pinned head (or, had it grown past it, differs from it there).
  CliResult bad = Baton({"--json", "audit", "verify"});
  EXPECT_EQ(bad.code, 9) << bad.out << bad.err;
  const json j = json::parse(bad.out);
  EXPECT_FALSE(j["ok"]);
  EXPECT_GT(j["first_bad_seq"].get<int64_t>(), pinned - 3) << bad.out;
  EXPECT_LE(j["first_bad_seq"].get<int64_t>(), pinned) << bad.out;
  EXPECT_NE(j["problem"].get<std::string>().find("truncated"), std::string::npos) << bad.out;
  CliResult text = Baton({"audit", "verify"});
  EXPECT_EQ(text.code, 9) << text.out << text.err;
  EXPECT_EQ(text.out.rfind("TAMPERED: ", 0), 0u) << text.out;
}

TEST_F(AuditCliTest, ExportJsonLinesAndCsvRoundTrip) {
  testing_util::Account owner = Join("owner", "Mari");
  // An event whose fields need CSV quoting: a comma, a quote, a line break.
  const std::string target = "item:Ads, \"Q1\"";
  const std::string details = R"({"note":"a, \"b\"\nc"})";
  ASSERT_OK(vault_->Write(
      [&](vault::WriteTxn& t) { return t.Record({"server"}, "test.note", target, details); }));
  ASSERT_NO_FATAL_FAILURE(CliJoin("auditor", "Tõnu"));

  const std::string jsonl_path = home_.File("audit.jsonl");
  CliResult jl = Baton({"audit", "export", "--format", "jsonl", "--output", jsonl_path});
  ASSERT_EQ(jl.code, 0) << jl.err;
  EXPECT_TRUE(jl.out.empty()) << jl.out;
  struct stat st {};
  ASSERT_EQ(::stat(jsonl_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::vector<json> events;
  {
    std::istringstream lines(ReadText(jsonl_path));
    for (std::string line; std::getline(lines, line);) events.push_back(json::parse(line));
  }
  ASSERT_GE(events.size(), 4u);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i]["seq"], static_cast<int64_t>(i + 1));
    for (const char* field :
         {"seq", "time_ms", "actor", "action", "target", "details", "prev_hash", "hash"}) {
      EXPECT_TRUE(events[i].contains(field)) << field;
    }
  }

  CliResult csv = Baton({"audit", "export", "--format", "csv"});  // to stdout
  ASSERT_EQ(csv.code, 0) << csv.err;
  const auto rows = ParseCsv(csv.out);
  // The sign-in for the second export wrote events: compare the common part.
  ASSERT_GE(rows.size(), events.size() + 1);
  const std::vector<std::string> header = {"seq",    "time",    "time_ms",   "actor", "action",
                                           "target", "details", "prev_hash", "hash"};
  EXPECT_EQ(rows[0], header);
  bool found = false;
  for (size_t i = 0; i < events.size(); ++i) {
    const auto& row = rows[i + 1];
    ASSERT_EQ(row.size(), header.size()) << "row " << i + 1;
    EXPECT_EQ(row[0], std::to_string(events[i]["seq"].get<int64_t>()));
    EXPECT_EQ(row[3], events[i]["actor"]);
    EXPECT_EQ(row[5], events[i]["target"]);
    EXPECT_EQ(row[6], events[i]["details"]);
    EXPECT_EQ(row[8], events[i]["hash"]);
    if (row[4] == "test.note") {
      found = true;
      EXPECT_EQ(row[5], target);
      EXPECT_EQ(row[6], details);
    }
  }
  EXPECT_TRUE(found) << csv.out;
  EXPECT_NE(csv.out.find("\"item:Ads, \"\"Q1\"\"\""), std::string::npos) << csv.out;
}

TEST_F(AuditCliTest, CsvExportDefusesFormulas) {
  testing_util::Account owner = Join("owner", "Mari");
  // Targets another person chose, each of which a spreadsheet would run as
  // a formula; the last one also needs quoting after the defusing quote.
  const std::vector<std::string> formulas = {"=HYPERLINK(\"https://evil.example\",\"open\")",
                                             "+1+1",
                                             "-2+3",
                                             "@SUM(A1:A9)",
                                             "\t=1",
                                             "\r=1",
                                             "=1,2"};
  for (const std::string& target : formulas) {
    ASSERT_OK(vault_->Write(
        [&](vault::WriteTxn& t) { return t.Record({"server"}, "test.formula", target, "{}"); }));
  }
  ASSERT_OK(vault_->Write(
      [&](vault::WriteTxn& t) { return t.Record({"server"}, "test.formula", "item:a=b", "{}"); }));
  ASSERT_NO_FATAL_FAILURE(CliJoin("auditor", "Tõnu"));

  CliResult csv = Baton({"audit", "export", "--format", "csv"});
  ASSERT_EQ(csv.code, 0) << csv.err;
  std::vector<std::string> targets;
  for (const auto& row : ParseCsv(csv.out)) {
    ASSERT_EQ(row.size(), 9u) << csv.out;
    if (row[4] == "test.formula") targets.push_back(row[5]);
  }
  std::vector<std::string> want;
  for (const std::string& f : formulas) want.push_back("'" + f);
  want.push_back("item:a=b");  // an = inside a field is harmless
  EXPECT_EQ(targets, want) << csv.out;
  EXPECT_NE(csv.out.find(",\"'=1,2\","), std::string::npos) << csv.out;

  // JSON Lines is data for programs: exact.
  CliResult jsonl = Baton({"audit", "export", "--format", "jsonl"});
  ASSERT_EQ(jsonl.code, 0) << jsonl.err;
  EXPECT_NE(jsonl.out.find("\"target\":\"+1+1\""), std::string::npos) << jsonl.out;
}

TEST_F(AuditCliTest, DueSortsFlaggedOverdueDueSoonAndLater) {
  testing_util::Account owner = Join("owner", "Mari");
  const std::string col = CreateCollection(owner, "Sotsiaalmeedia");
  std::string old_id, flagged_id, fresh_id;
  ASSERT_EQ(CreateItem(owner, col, "Vana leht", "pw", &old_id).status, 201);  // 90-day period
  env_.AdvanceTime(std::chrono::days(30));
  ASSERT_EQ(Login(owner).status, 200);  // the session has expired meanwhile
  ASSERT_EQ(CreateItem(owner, col, "Märgitud", "pw", &flagged_id).status, 201);
  ASSERT_EQ(CreateItem(owner, col, "Uus konto", "pw", &fresh_id).status, 201);
  const int64_t flagged_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(env_.Now().time_since_epoch()).count();
  ASSERT_OK(vault_->Write([&](vault::WriteTxn& t) {
    return t.FlagItem(
        {"server"}, flagged_id,
        {vault::RotationFlagKind::kMemberRemoved, "Jüri removed from the team", flagged_ms});
  }));
  // Now the first item is 10 days overdue, the fresh one is due in 20 days.
  env_.AdvanceTime(std::chrono::days(70));
  ASSERT_NO_FATAL_FAILURE(CliJoin("admin", "Õie"));

  CliResult js = Baton({"--json", "due"});
  ASSERT_EQ(js.code, 0) << js.err;
  const json j = json::parse(js.out);
  ASSERT_EQ(j["overdue"].size(), 2u) << js.out;
  EXPECT_EQ(j["overdue"][0]["id"], flagged_id);  // flagged first
  EXPECT_EQ(j["overdue"][0]["status"], "flagged");
  EXPECT_EQ(j["overdue"][0]["name"], "Märgitud");
  EXPECT_EQ(j["overdue"][0]["collection"], "Sotsiaalmeedia");
  ASSERT_EQ(j["overdue"][0]["flags"].size(), 1u);
  EXPECT_EQ(j["overdue"][0]["flags"][0]["kind"], "member-removed");
  EXPECT_EQ(j["overdue"][0]["flags"][0]["reason"], "Jüri removed from the team");
  EXPECT_EQ(j["overdue"][1]["id"], old_id);
  EXPECT_EQ(j["overdue"][1]["status"], "overdue");
  EXPECT_EQ(j["overdue"][1]["due"], "2026-04-01T00:00:00Z");  // 2026-01-01 + 90 days
  EXPECT_TRUE(j["due_soon"].empty()) << js.out;
  ASSERT_EQ(j["later"].size(), 1u) << js.out;
  EXPECT_EQ(j["later"][0]["id"], fresh_id);
  EXPECT_EQ(j["later"][0]["status"], "ok");
  EXPECT_EQ(js.out.find("ciphertext"), std::string::npos) << "metadata only";

  CliResult text = Baton({"due", "--window-days", "30"});
  ASSERT_EQ(text.code, 0) << text.err;
  const size_t overdue = text.out.find("Overdue:");
  const size_t flagged = text.out.find("Märgitud");
  const size_t old_item = text.out.find("Vana leht");
  const size_t soon = text.out.find("Due soon (within 30 days):");
  const size_t fresh = text.out.find("Uus konto");
  ASSERT_NE(overdue, std::string::npos) << text.out;
  ASSERT_NE(soon, std::string::npos) << text.out;
  EXPECT_LT(overdue, flagged) << text.out;
  EXPECT_LT(flagged, old_item) << text.out;
  EXPECT_LT(old_item, soon) << text.out;
  EXPECT_LT(soon, fresh) << text.out;
  EXPECT_NE(text.out.find("member-removed: Jüri removed from the team"), std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("2026-04-01  overdue"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("Later:"), std::string::npos) << text.out;
}

TEST_F(AuditCliTest, BadInputIsRefusedBeforeAnythingRuns) {
  CliResult fmt = Baton({"audit", "export", "--format", "xml"});
  EXPECT_EQ(fmt.code, cli::kExitUsage) << fmt.err;
  EXPECT_NE(fmt.err.find("--format"), std::string::npos) << fmt.err;
  CliResult limit = Baton({"audit", "log", "--limit", "0"});
  EXPECT_EQ(limit.code, cli::kExitUsage) << limit.err;
  EXPECT_NE(limit.err.find("--limit"), std::string::npos) << limit.err;
  CliResult window = Baton({"due", "--window-days", "-1"});
  EXPECT_EQ(window.code, cli::kExitUsage) << window.err;
  CliResult none = Baton({"audit"});
  EXPECT_EQ(none.code, cli::kExitUsage) << none.err;
  // No profile: NotFound, not a crash.
  CliResult no_profile = Baton({"audit", "verify"});
  EXPECT_EQ(no_profile.code, cli::kExitNotFound) << no_profile.err;
}

}  // namespace
