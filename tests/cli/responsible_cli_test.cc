// The responsible member from the command line: `item edit --owner`, the
// RESPONSIBLE column of `item list` and `due`, and `due --exit-code` for
// cron and monitoring.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "cli/exit_codes.h"
#include "cli_fixture.h"

namespace {

using nlohmann::json;
using testing_util::CliResult;

constexpr char kItem[] = "Facebook page";

class ResponsibleCliTest : public testing_util::CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_NO_FATAL_FAILURE(CliJoin("owner", "Mari", "owner", "init"));
    ASSERT_NO_FATAL_FAILURE(CliJoin("member", "Jüri Pärn", "juri"));
    ASSERT_NO_FATAL_FAILURE(CliJoin("member", "Kadri", "kadri"));
    As("owner", {"collection", "create", "Sotsiaalmeedia"});
    As("owner",
       {"item", "add", "Sotsiaalmeedia", kItem, "--channel", "facebook", "--period-days", "90",
        "--password-stdin"},
       0, "pw-1\n");
    As("owner", {"collection", "grant", "Sotsiaalmeedia", "Jüri Pärn", "view"});
  }

  std::string StoredResponsible() {
    std::string id;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
      auto cols = t.ListCollections();
      if (!cols) return cols.error();
      for (const auto& c : *cols) {
        auto items = t.ListItems(c.id);
        if (!items) return items.error();
        for (const auto& i : *items) id = i.responsible_id;
      }
      return vault::Status::OK();
    }));
    return id;
  }

  // Metadata changes in the audit log (sign-ins are audited too, so the
  // log's length is no measure of a refusal).
  int MetaEvents() {
    int n = 0;
    EXPECT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
      return t.ScanAudit(1, [&](const vault::audit::Event& e) {
        n += e.action == "item.meta" ? 1 : 0;
        return true;
      });
    }));
    return n;
  }

  std::string MemberId(const std::string& name) {
    CliResult r = As("owner", {"--json", "member", "list"});
    for (const auto& m : json::parse(r.out)) {
      if (m.value("name", "") == name) return m.value("id", "");
    }
    ADD_FAILURE() << "no member " << name;
    return "";
  }
};

TEST_F(ResponsibleCliTest, CreatorIsResponsibleUntilEditChangesIt) {
  const std::string mari = MemberId("Mari");
  EXPECT_EQ(StoredResponsible(), mari);
  CliResult list = As("owner", {"item", "list"});
  EXPECT_NE(list.out.find("RESPONSIBLE"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("Mari"), std::string::npos) << list.out;

  CliResult edit = As("owner", {"--json", "item", "edit", kItem, "--owner", "Jüri Pärn"});
  const std::string juri = MemberId("Jüri Pärn");
  EXPECT_EQ(json::parse(edit.out).value("responsible_id", ""), juri) << edit.out;
  EXPECT_EQ(StoredResponsible(), juri);

  const json listed = json::parse(As("owner", {"--json", "item", "list"}).out);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].value("responsible", ""), "Jüri Pärn");
  EXPECT_EQ(listed[0].value("responsible_id", ""), juri);
  CliResult text = As("juri", {"item", "list"});
  EXPECT_NE(text.out.find("Jüri Pärn"), std::string::npos) << text.out;
}

TEST_F(ResponsibleCliTest, SomeoneWhoCannotReadTheCollectionIsRefusedAndNothingChanges) {
  const std::string mari = MemberId("Mari");
  CliResult no_access = As("owner", {"item", "edit", kItem, "--owner", "Kadri"}, cli::kExitInvalid);
  EXPECT_NE(no_access.err.find("can read the item's collection"), std::string::npos)
      << no_access.err;
  CliResult unknown = As("owner", {"item", "edit", kItem, "--owner", "Nobody"}, cli::kExitNotFound);
  EXPECT_NE(unknown.err.find("no member named Nobody"), std::string::npos) << unknown.err;
  // A viewer may not edit the item at all.
  As("juri", {"item", "edit", kItem, "--owner", "Jüri Pärn"}, cli::kExitDenied);
  EXPECT_EQ(StoredResponsible(), mari);
  EXPECT_EQ(MetaEvents(), 0);
}

TEST_F(ResponsibleCliTest, DueShowsTheResponsibleMember) {
  As("owner", {"item", "edit", kItem, "--owner", "Jüri Pärn"});
  CliResult text = As("owner", {"due"});
  EXPECT_NE(text.out.find("RESPONSIBLE"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Jüri Pärn"), std::string::npos) << text.out;
  const json j = json::parse(As("owner", {"--json", "due"}).out);
  ASSERT_EQ(j["later"].size(), 1u) << j.dump();
  EXPECT_EQ(j["later"][0]["responsible"], "Jüri Pärn");
  EXPECT_EQ(j["later"][0]["responsible_id"], MemberId("Jüri Pärn"));
}

TEST_F(ResponsibleCliTest, DueExitCodeSaysWhetherAnythingIsOverdueOrFlagged) {
  // Nothing due: 0 with or without the flag.
  As("owner", {"due", "--exit-code"}, cli::kExitOk);
  As("owner", {"--json", "due", "--exit-code"}, cli::kExitOk);
  // Due soon is not yet overdue.
  env_.AdvanceTime(std::chrono::days(89));
  As("owner", {"due", "--exit-code"}, cli::kExitOk);
  // Overdue: 10, and the list is still printed; without the flag, 0.
  env_.AdvanceTime(std::chrono::days(2));
  CliResult overdue = As("owner", {"due", "--exit-code"}, cli::kExitAttention);
  EXPECT_NE(overdue.out.find(kItem), std::string::npos) << overdue.out;
  As("owner", {"--json", "due", "--exit-code"}, cli::kExitAttention);
  As("owner", {"due"}, cli::kExitOk);
}

TEST_F(ResponsibleCliTest, DueExitCodeCountsAFlaggedItem) {
  std::string id;
  ASSERT_OK(vault_->Read([&](vault::ReadTxn& t) -> vault::Status {
    auto cols = t.ListCollections();
    if (!cols) return cols.error();
    auto items = t.ListItems(cols->front().id);
    if (!items) return items.error();
    id = items->front().id;
    return vault::Status::OK();
  }));
  ASSERT_OK(vault_->Write([&](vault::WriteTxn& t) {
    return t.FlagItem({"server"}, id, {vault::RotationFlagKind::kBreach, "leaked", 1});
  }));
  As("owner", {"due", "--exit-code"}, cli::kExitAttention);
}

}  // namespace
