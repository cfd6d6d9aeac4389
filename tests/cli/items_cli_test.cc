// baton item/totp/generate end to end: the CLI entry point against a real
// batond over TLS (tests/server/server_fixture.h), with scripted consoles.
//
// One member joins through `baton join` for the whole suite (joining
// calibrates the identity KDF); each test uses its own item names.
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/main.h"
#include "env_wrapper.h"
#include "server/server_fixture.h"
#include "vault/totp.h"

namespace {

using nlohmann::json;
using testing_util::Account;
using testing_util::CliEnv;
using testing_util::ServerFixture;
using testing_util::TempDir;
namespace crypto = vault::crypto;

// The server fixture, kept for a whole test suite.
class SharedServer : public ServerFixture {
 public:
  void Start() { SetUp(); }
  void Stop() { TearDown(); }
  void TestBody() override {}
  using ServerFixture::Call;
  using ServerFixture::collection_keys_;
  using ServerFixture::config_;
  using ServerFixture::CreateCollection;
  using ServerFixture::env_;
  using ServerFixture::Join;
  using ServerFixture::port_;
  using ServerFixture::StartServer;
  using ServerFixture::StopServer;
  using ServerFixture::vault_;
};

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

constexpr char kPassphrase[] = "korrektne hobune patarei klamber ä";

class ItemsCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new SharedServer;
    server_->Start();
    ASSERT_GT(server_->port_, 0);
    // Restarts (the server-down test) bind the same port, so the profile's
    // URL stays valid.
    server_->config_.port = server_->port_;
    home_ = new TempDir;
    cli_env_ = new CliEnv(server_->env_, server_->env_);
    owner_ = new Account(server_->Join("owner", "Olga"));
    pass_file_ = home_->File("passphrase");
    wrong_pass_file_ = home_->File("wrong-passphrase");
    ASSERT_OK(cli_env_->WriteFileAtomic(pass_file_, crypto::AsBytes(kPassphrase), 0600));
    ASSERT_OK(cli_env_->WriteFileAtomic(wrong_pass_file_, crypto::AsBytes("not it"), 0600));

    // An invite for the CLI member, made directly in the vault.
    const std::string code = "cli-items-invite";
    vault::Invite invite;
    invite.code_hash = crypto::Blake2b256(crypto::AsBytes(code));
    invite.role = vault::TeamRole::kMember;
    invite.name = "Ädä Õunapuu";
    invite.created_by = "server";
    invite.expires_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            (server_->env_.Now() + std::chrono::days(7)).time_since_epoch())
                            .count();
    ASSERT_OK(server_->vault_->Write(
        [&](vault::WriteTxn& t) { return t.CreateInvite({"server"}, invite); }));
    // The code typed at the prompt, as people join.
    Outcome joined = RunCli(
        {"--json", "join", "https://127.0.0.1:" + std::to_string(server_->port_)}, "", {code});
    ASSERT_EQ(joined.code, 0) << joined.err;
    member_id_ = json::parse(joined.out).at("member_id");

    // Two collections the member may edit: one shared by most tests, one
    // only the listing test touches.
    main_collection_ = GrantedCollection("Sotsiaalmeedia");
    list_collection_ = GrantedCollection("Kontor");
  }

  static void TearDownTestSuite() {
    if (server_ != nullptr) server_->Stop();
    delete owner_;
    delete cli_env_;
    delete home_;
    delete server_;
    server_ = nullptr;
  }

  // Creates a collection as the owner and grants the CLI member edit access.
  static std::string GrantedCollection(const std::string& name) {
    const std::string id = server_->CreateCollection(*owner_, name);
    auto member = server_->Call("GET", "/v1/members/" + member_id_, owner_->token);
    EXPECT_EQ(member.status, 200) << member.raw;
    auto box = crypto::FromBase64(member.body.value("box_public_key", ""));
    EXPECT_TRUE(box && box->size() == crypto::kPublicKeyBytes);
    crypto::PublicKey pk{};
    std::copy(box->begin(), box->end(), pk.begin());
    const auto& key = server_->collection_keys_.at(id);
    auto sealed = vault::envelope::SealCollectionKey(key, pk);
    EXPECT_TRUE(sealed.has_value());
    auto r = server_->Call("POST", "/v1/collections/" + id + "/grants", owner_->token,
                           json{{"member_id", member_id_},
                                {"access", "edit"},
                                {"key_version", key.version},
                                {"sealed_key", crypto::ToBase64(*sealed)}});
    EXPECT_EQ(r.status, 200) << r.raw;
    return id;
  }

  // Runs baton with the suite's profile and passphrase file. `stdin_text`
  // feeds --...-stdin; `secrets` answer terminal prompts in order, and
  // `on_prompt` runs just before each answer.
  static Outcome RunCli(std::vector<std::string> args, const std::string& stdin_text = "",
                        std::deque<std::string> secrets = {},
                        const std::function<void()>& on_prompt = {},
                        const std::string& passphrase_file = "") {
    std::istringstream in(stdin_text);
    std::ostringstream out, err;
    cli::Console console{in, out, err, [&](std::string_view) -> vault::Result<vault::SecureBuffer> {
                           if (on_prompt) on_prompt();
                           if (secrets.empty()) {
                             return vault::Fail(vault::Status::FailedPrecondition("no terminal"));
                           }
                           auto s = vault::SecureBuffer::CopyOf(crypto::AsBytes(secrets.front()));
                           secrets.pop_front();
                           return s;
                         }};
    std::vector<std::string> full = {"baton", "--passphrase-file",
                                     passphrase_file.empty() ? pass_file_ : passphrase_file};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    Outcome o;
    o.code = cli::Run(console, *cli_env_, {{"BATON_HOME", home_->path()}},
                      static_cast<int>(full.size()), argv.data());
    o.out = out.str();
    o.err = err.str();
    return o;
  }

  // Adds an item with a password from stdin; returns its id.
  static std::string Add(const std::string& name, const std::string& password,
                         std::vector<std::string> extra = {},
                         const std::string& collection = "Sotsiaalmeedia") {
    std::vector<std::string> args = {"--json", "item",      "add",      collection,
                                     name,     "--channel", "facebook", "--password-stdin"};
    args.insert(args.end(), extra.begin(), extra.end());
    Outcome o = RunCli(args, password + "\n");
    EXPECT_EQ(o.code, 0) << o.err;
    if (o.code != 0) return "";
    return json::parse(o.out).value("id", "");
  }

  static json GetJson(const std::string& item, bool show = false) {
    std::vector<std::string> args = {"--json", "item", "get", item};
    if (show) args.push_back("--show");
    Outcome o = RunCli(args);
    EXPECT_EQ(o.code, 0) << o.err;
    return o.code == 0 ? json::parse(o.out) : json();
  }

  static std::string Field(const std::string& item, const std::string& field) {
    Outcome o = RunCli({"item", "get", item, "--field", field});
    EXPECT_EQ(o.code, 0) << o.err;
    return o.out;
  }

  // Item names in a collection, as the server lists them (owner's view).
  static std::vector<std::string> ServerItemNames(const std::string& collection_id) {
    auto r = server_->Call("GET", "/v1/collections/" + collection_id + "/items", owner_->token);
    EXPECT_EQ(r.status, 200) << r.raw;
    std::vector<std::string> names;
    for (const auto& it : r.body["items"]) names.push_back(it.value("name", ""));
    return names;
  }

  static inline SharedServer* server_ = nullptr;
  static inline TempDir* home_ = nullptr;
  static inline CliEnv* cli_env_ = nullptr;
  static inline Account* owner_ = nullptr;
  static inline std::string pass_file_;
  static inline std::string wrong_pass_file_;
  static inline std::string member_id_;
  static inline std::string main_collection_;
  static inline std::string list_collection_;
};

TEST_F(ItemsCliTest, AddThenGetMasksUnlessShownAndFieldIsRaw) {
  Outcome add = RunCli({"item", "add", "Sotsiaalmeedia", "Facebook page", "--channel", "facebook",
                        "--url", "https://facebook.com", "--username", "admin@firma.ee"},
                       "", {"s3cret-Pässword"});
  ASSERT_EQ(add.code, 0) << add.err;
  EXPECT_NE(add.out.find("Added Facebook page"), std::string::npos) << add.out;
  EXPECT_EQ(add.out.find("s3cret"), std::string::npos);

  Outcome get = RunCli({"item", "get", "Facebook page"});
  ASSERT_EQ(get.code, 0) << get.err;
  EXPECT_NE(get.out.find("admin@firma.ee"), std::string::npos) << get.out;
  EXPECT_NE(get.out.find("********"), std::string::npos) << get.out;
  EXPECT_EQ(get.out.find("s3cret"), std::string::npos) << get.out;
  EXPECT_NE(get.out.find("Sotsiaalmeedia"), std::string::npos) << get.out;

  Outcome shown = RunCli({"item", "get", "Facebook page", "--show"});
  ASSERT_EQ(shown.code, 0) << shown.err;
  EXPECT_NE(shown.out.find("s3cret-Pässword"), std::string::npos) << shown.out;

  EXPECT_EQ(Field("Facebook page", "password"), "s3cret-Pässword\n");
  EXPECT_EQ(Field("Facebook page", "username"), "admin@firma.ee\n");
  EXPECT_EQ(Field("Facebook page", "url"), "https://facebook.com\n");

  json masked = GetJson("Facebook page");
  EXPECT_EQ(masked.value("password", ""), "********");
  EXPECT_EQ(masked.value("username", ""), "admin@firma.ee");
  EXPECT_EQ(masked.value("version", 0), 1);
  EXPECT_EQ(masked.value("channel", ""), "facebook");
  EXPECT_EQ(masked.value("collection_id", ""), main_collection_);
  json revealed = GetJson("Facebook page", /*show=*/true);
  EXPECT_EQ(revealed.value("password", ""), "s3cret-Pässword");

  // No such field: exit 4, nothing on stdout.
  Outcome none = RunCli({"item", "get", "Facebook page", "--field", "notes"});
  EXPECT_EQ(none.code, 4);
  EXPECT_EQ(none.out, "");
}

TEST_F(ItemsCliTest, NonAsciiRoundTrips) {
  const std::string notes = "Märkmed: õues ööbik\nteine rida äöüõ";
  const std::string notes_file = home_->File("notes.txt");
  ASSERT_OK(cli_env_->WriteFileAtomic(notes_file, crypto::AsBytes(notes + "\n"), 0600));
  const std::string codes_file = home_->File("codes.txt");
  ASSERT_OK(cli_env_->WriteFileAtomic(codes_file, crypto::AsBytes("1111-ä\n\n  2222-õ \n"), 0600));
  Outcome add = RunCli(
      {"item", "add", "Sotsiaalmeedia", "Müük ja õppimine", "--channel", "email", "--username",
       "jüri.öö@näide.ee", "--password-stdin", "--notes-file", notes_file, "--backup-codes-file",
       codes_file, "--field", "PIN-kood", "--field", "Vastus", "--fields-stdin"},
      "päss-õÖäÜ\n1234ö\nÕunamoos\n");
  ASSERT_EQ(add.code, 0) << add.err;
  EXPECT_EQ(Field("Müük ja õppimine", "password"), "päss-õÖäÜ\n");
  EXPECT_EQ(Field("Müük ja õppimine", "username"), "jüri.öö@näide.ee\n");
  EXPECT_EQ(Field("Müük ja õppimine", "notes"), notes + "\n");
  EXPECT_EQ(Field("Müük ja õppimine", "PIN-kood"), "1234ö\n");
  EXPECT_EQ(Field("Müük ja õppimine", "Vastus"), "Õunamoos\n");
  EXPECT_EQ(Field("Müük ja õppimine", "backup-codes"), "1111-ä\n2222-õ\n");

  json j = GetJson("Müük ja õppimine", /*show=*/true);
  EXPECT_EQ(j.value("name", ""), "Müük ja õppimine");
  EXPECT_EQ(j.value("notes", ""), notes);
  EXPECT_EQ(j["fields"].value("PIN-kood", ""), "1234ö");
  EXPECT_EQ(j["backup_codes"], json({"1111-ä", "2222-õ"}));
  json masked = GetJson("Müük ja õppimine");
  EXPECT_EQ(masked["fields"].value("PIN-kood", ""), "********");
  EXPECT_EQ(masked.value("notes", ""), "********");

  // A custom field may not shadow a built-in one.
  Outcome clash = RunCli({"item", "add", "Sotsiaalmeedia", "Clash", "--channel", "email",
                          "--password-stdin", "--field", "password", "--fields-stdin"},
                         "a\nb\n");
  EXPECT_EQ(clash.code, 8) << clash.err;
}

TEST_F(ItemsCliTest, EditMakesVersionTwoAndHistoryShowsBoth) {
  ASSERT_NE(Add("Instagram", "vana-parool", {"--username", "insta"}), "");
  Outcome edit =
      RunCli({"item", "edit", "Instagram", "--username", "insta-uus", "--password-stdin"},
             "uus-parool-ä\n");
  ASSERT_EQ(edit.code, 0) << edit.err;
  EXPECT_NE(edit.out.find("version 2"), std::string::npos) << edit.out;
  json j = GetJson("Instagram", /*show=*/true);
  EXPECT_EQ(j.value("version", 0), 2);
  EXPECT_EQ(j.value("password", ""), "uus-parool-ä");
  EXPECT_EQ(j.value("username", ""), "insta-uus");

  Outcome history = RunCli({"item", "history", "Instagram"});
  ASSERT_EQ(history.code, 0) << history.err;
  EXPECT_NE(history.out.find("v1"), std::string::npos) << history.out;
  EXPECT_NE(history.out.find("v2"), std::string::npos) << history.out;
  EXPECT_EQ(history.out.find("parool"), std::string::npos) << "decrypted without --show";

  Outcome hj = RunCli({"--json", "item", "history", "Instagram"});
  ASSERT_EQ(hj.code, 0) << hj.err;
  json versions = json::parse(hj.out);
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].value("version", 0), 1);
  EXPECT_EQ(versions[1].value("version", 0), 2);
  EXPECT_EQ(versions[1].value("created_by", ""), member_id_);
  EXPECT_FALSE(versions[0].contains("password"));
  EXPECT_FALSE(versions[0].contains("ciphertext"));

  Outcome shown = RunCli({"--json", "item", "history", "Instagram", "--show"});
  ASSERT_EQ(shown.code, 0) << shown.err;
  json sv = json::parse(shown.out);
  ASSERT_EQ(sv.size(), 2u);
  EXPECT_EQ(sv[0].value("password", ""), "vana-parool");
  EXPECT_EQ(sv[1].value("password", ""), "uus-parool-ä");

  // Nothing to change is a usage error.
  EXPECT_EQ(RunCli({"item", "edit", "Instagram"}).code, 2);
}

TEST_F(ItemsCliTest, LostUpdateIsRefusedWithExit7) {
  ASSERT_NE(Add("LinkedIn", "algne", {"--username", "li"}), "");
  // The first edit has read version 1 and waits at the password prompt;
  // meanwhile a second edit, also from version 1, commits version 2.
  bool second_done = false;
  Outcome first = RunCli({"item", "edit", "LinkedIn", "--prompt-password"}, "", {"kaotatud"}, [&] {
    if (second_done) return;
    second_done = true;
    Outcome second = RunCli({"item", "edit", "LinkedIn", "--username", "teine"});
    EXPECT_EQ(second.code, 0) << second.err;
  });
  EXPECT_TRUE(second_done);
  EXPECT_EQ(first.code, 7) << first.err;
  EXPECT_NE(first.err.find("changed"), std::string::npos) << first.err;
  json j = GetJson("LinkedIn", /*show=*/true);
  EXPECT_EQ(j.value("version", 0), 2);
  EXPECT_EQ(j.value("username", ""), "teine");
  EXPECT_EQ(j.value("password", ""), "algne");
}

TEST_F(ItemsCliTest, RemoveDeletesTheItem) {
  const std::string id = Add("TikTok", "tiktok-pw");
  ASSERT_NE(id, "");
  Outcome rm = RunCli({"item", "rm", "TikTok"});
  ASSERT_EQ(rm.code, 0) << rm.err;
  EXPECT_NE(rm.out.find(id), std::string::npos) << rm.out;
  EXPECT_EQ(RunCli({"item", "get", id}).code, 4);
  EXPECT_EQ(RunCli({"item", "rm", "TikTok"}).code, 4);
  for (const auto& name : ServerItemNames(main_collection_)) EXPECT_NE(name, "TikTok");
}

TEST_F(ItemsCliTest, ListAndSearchReadMetadataOnly) {
  ASSERT_NE(Add("X konto", "x-pw", {"--url", "https://x.com/firma"}, "Kontor"), "");
  ASSERT_NE(Add("Domeen", "d-pw", {"--url", "https://registrar.example"}, "Kontor"), "");
  ASSERT_NE(Add("Tööportaal", "t-pw", {"--period-days", "30"}, "Kontor"), "");

  Outcome list = RunCli({"--json", "item", "list", "Kontor"});
  ASSERT_EQ(list.code, 0) << list.err;
  json items = json::parse(list.out);
  ASSERT_EQ(items.size(), 3u) << list.out;
  std::vector<std::string> names;
  for (const auto& it : items) {
    names.push_back(it.value("name", ""));
    EXPECT_EQ(it.value("collection", ""), "Kontor");
    EXPECT_EQ(it.value("collection_id", ""), list_collection_);
    EXPECT_EQ(it.value("version", 0), 1);
    EXPECT_EQ(it.value("due", ""), "ok");
    EXPECT_TRUE(it.contains("last_rotated_ms"));
    EXPECT_TRUE(it.contains("flags"));
    EXPECT_FALSE(it.contains("ciphertext"));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"Domeen", "Tööportaal", "X konto"}));
  EXPECT_EQ(items[1].value("rotation_period_days", 0), 30);

  Outcome table = RunCli({"item", "list", "Kontor"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("NAME"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("Tööportaal"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("pw"), std::string::npos) << table.out;

  auto search = [](const std::string& text) {
    Outcome o = RunCli({"--json", "item", "search", text});
    EXPECT_EQ(o.code, 0) << o.err;
    std::vector<std::string> hits;
    for (const auto& it : json::parse(o.out)) hits.push_back(it.value("name", ""));
    return hits;
  };
  EXPECT_EQ(search("X.COM"), std::vector<std::string>{"X konto"});       // url, any case
  EXPECT_EQ(search("TÖÖPORT"), std::vector<std::string>{"Tööportaal"});  // non-ASCII case
  EXPECT_EQ(search("registrar"), std::vector<std::string>{"Domeen"});
  EXPECT_EQ(search("x-pw"), std::vector<std::string>{});  // secrets are not searched
  // Every collection: the listing without a filter holds these too.
  Outcome all = RunCli({"--json", "item", "list"});
  ASSERT_EQ(all.code, 0) << all.err;
  EXPECT_GE(json::parse(all.out).size(), 3u);
}

TEST_F(ItemsCliTest, TotpMatchesTheLibraryAtTheFixtureClock) {
  const std::string uri = "otpauth://totp/Firma:admin?secret=JBSWY3DPEHPK3PXP&issuer=Firma";
  Outcome add = RunCli({"item", "add", "Sotsiaalmeedia", "YouTube", "--channel", "youtube",
                        "--password-stdin", "--totp-uri-stdin"},
                       "yt-pw\n" + uri + "\n");
  ASSERT_EQ(add.code, 0) << add.err;
  server_->env_.AdvanceTime(std::chrono::seconds(7));
  auto params = vault::totp::ParseOtpauthUri(uri);
  ASSERT_TRUE(params.has_value());
  const vault::TimePoint now = server_->env_.Now();
  auto want = vault::totp::TotpCode(*params, now);
  ASSERT_TRUE(want.has_value());

  Outcome totp = RunCli({"--json", "totp", "YouTube"});
  ASSERT_EQ(totp.code, 0) << totp.err;
  json j = json::parse(totp.out);
  EXPECT_EQ(j.value("code", ""), *want);
  EXPECT_EQ(j.value("seconds_left", 0), vault::totp::TotpSecondsLeft(*params, now).count());
  EXPECT_EQ(Field("YouTube", "totp"), *want + "\n");
  EXPECT_EQ(Field("YouTube", "totp-uri"), uri + "\n");
  Outcome text = RunCli({"totp", "YouTube"});
  EXPECT_EQ(text.code, 0);
  EXPECT_EQ(text.out.rfind(*want, 0), 0u) << text.out;

  // An item without a seed has no code.
  ASSERT_NE(Add("No seed", "pw"), "");
  EXPECT_EQ(RunCli({"totp", "No seed"}).code, 4);
}

TEST_F(ItemsCliTest, MalformedOtpauthUriIsRefusedAndNothingIsCreated) {
  const auto before = ServerItemNames(main_collection_);
  for (const std::string bad :
       {"otpauth://hotp/Firma:a?secret=JBSWY3DPEHPK3PXP&counter=1", "https://example.com",
        "otpauth://totp/Firma:a?secret=not*base32", "otpauth://totp/Firma:a"}) {
    Outcome o = RunCli({"item", "add", "Sotsiaalmeedia", "Bad TOTP", "--channel", "x",
                        "--password-stdin", "--totp-uri-stdin"},
                       "pw\n" + bad + "\n");
    EXPECT_EQ(o.code, 8) << bad << ": " << o.err;
    EXPECT_NE(o.err.find("otpauth"), std::string::npos) << o.err;
    EXPECT_EQ(o.err.find("JBSWY3DPEHPK3PXP"), std::string::npos) << "secret in the message";
  }
  EXPECT_EQ(ServerItemNames(main_collection_), before);

  // Edit refuses it too, and the item stays at version 1.
  ASSERT_NE(Add("Google Business", "gb-pw"), "");
  Outcome edit =
      RunCli({"item", "edit", "Google Business", "--totp-uri-stdin"}, "otpauth://nope\n");
  EXPECT_EQ(edit.code, 8) << edit.err;
  EXPECT_EQ(GetJson("Google Business").value("version", 0), 1);
}

TEST_F(ItemsCliTest, GenerateHonoursItsOptions) {
  Outcome plain = RunCli({"generate", "--length", "32", "--no-symbols"});
  ASSERT_EQ(plain.code, 0) << plain.err;
  ASSERT_EQ(plain.out.size(), 33u) << plain.out;
  for (char c : plain.out.substr(0, 32)) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)));
  EXPECT_NE(plain.err.find("entropy"), std::string::npos);
  EXPECT_NE(plain.err.find("bits"), std::string::npos);

  Outcome picky = RunCli({"generate", "--avoid-ambiguous", "--no-digits", "--exclude", "abcXYZ"});
  ASSERT_EQ(picky.code, 0) << picky.err;
  EXPECT_EQ(picky.out.size(), 21u);
  EXPECT_EQ(picky.out.substr(0, 20).find_first_of("Il1O0oabcXYZ23456789"), std::string::npos)
      << picky.out;

  Outcome words = RunCli({"generate", "--diceware", "--words", "5", "--separator", "."});
  ASSERT_EQ(words.code, 0) << words.err;
  EXPECT_EQ(std::count(words.out.begin(), words.out.end(), '.'), 4) << words.out;

  Outcome j = RunCli({"--json", "generate"});
  ASSERT_EQ(j.code, 0) << j.err;
  json g = json::parse(j.out);
  EXPECT_EQ(g.value("password", "").size(), 20u);
  EXPECT_GT(g.value("entropy_bits", 0.0), 100.0);

  // Values the policy refuses: exit 8. Option combinations CLI11 refuses: 2.
  EXPECT_EQ(RunCli({"generate", "--length", "4"}).code, 8);
  EXPECT_EQ(RunCli({"generate", "--length", "1000"}).code, 8);
  EXPECT_EQ(RunCli({"generate", "--diceware", "--words", "50"}).code, 8);
  EXPECT_EQ(RunCli({"generate", "--diceware", "--separator", "x"}).code, 8);
  EXPECT_EQ(RunCli({"generate", "--words", "5"}).code, 2);
  EXPECT_EQ(RunCli({"generate", "--diceware", "--length", "30"}).code, 2);
  EXPECT_EQ(RunCli({"generate", "--length", "many"}).code, 2);
}

TEST_F(ItemsCliTest, BadInputGetsItsExitCode) {
  // Unknown item or collection: 4, for every command that takes one.
  EXPECT_EQ(RunCli({"item", "get", "Nonexistent"}).code, 4);
  EXPECT_EQ(RunCli({"item", "edit", "Nonexistent", "--username", "u"}).code, 4);
  EXPECT_EQ(RunCli({"item", "rm", "Nonexistent"}).code, 4);
  EXPECT_EQ(RunCli({"item", "history", "Nonexistent"}).code, 4);
  EXPECT_EQ(RunCli({"totp", "Nonexistent"}).code, 4);
  EXPECT_EQ(RunCli({"item", "list", "No such collection"}).code, 4);
  EXPECT_EQ(RunCli({"item", "add", "No such collection", "A", "--channel", "x", "--password-stdin"},
                   "pw\n")
                .code,
            4);
  // Values: 8; the command line itself: 2.
  EXPECT_EQ(
      RunCli({"item", "add", "Sotsiaalmeedia", "A", "--channel", "myspace", "--password-stdin"},
             "pw\n")
          .code,
      8);
  EXPECT_EQ(RunCli({"item", "add", "Sotsiaalmeedia", "A", "--channel", "x", "--period-days", "0",
                    "--password-stdin"},
                   "pw\n")
                .code,
            8);
  EXPECT_EQ(RunCli({"item", "add", "Sotsiaalmeedia", "A", "--password-stdin"}, "pw\n").code, 2);
  EXPECT_EQ(RunCli({"item", "add", "Sotsiaalmeedia", "A", "--channel", "x", "--password-stdin",
                    "--generate"})
                .code,
            2);
  // No password on the command line, ever.
  EXPECT_EQ(
      RunCli({"item", "add", "Sotsiaalmeedia", "A", "--channel", "x", "--password", "pw"}).code, 2);
  // An empty password on stdin is refused.
  EXPECT_EQ(
      RunCli({"item", "add", "Sotsiaalmeedia", "A", "--channel", "x", "--password-stdin"}, "\n")
          .code,
      8);
  // No terminal and no --password-stdin: the prompt fails, nothing is sent.
  EXPECT_NE(RunCli({"item", "add", "Sotsiaalmeedia", "A", "--channel", "x"}).code, 0);
  for (const auto& name : ServerItemNames(main_collection_)) EXPECT_NE(name, "A");

  Outcome help = RunCli({"item", "add", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--password-stdin"), std::string::npos) << help.out;
}

TEST_F(ItemsCliTest, WrongPassphraseExits3) {
  Outcome o = RunCli({"item", "list"}, "", {}, {}, wrong_pass_file_);
  EXPECT_EQ(o.code, 3) << o.err;
}

TEST_F(ItemsCliTest, MissingServerExits6) {
  ASSERT_NE(Add("Support mailbox", "mb-pw"), "");
  server_->StopServer();
  Outcome list = RunCli({"item", "list"});
  Outcome get = RunCli({"item", "get", "Support mailbox"});
  Outcome totp = RunCli({"totp", "Support mailbox"});
  server_->StartServer();
  EXPECT_EQ(list.code, 6) << list.err;
  EXPECT_EQ(get.code, 6) << get.err;
  EXPECT_EQ(totp.code, 6) << totp.err;
  // Back on the same port, the profile works again.
  EXPECT_EQ(RunCli({"item", "get", "Support mailbox", "--field", "password"}).out, "mb-pw\n");
}

}  // namespace
