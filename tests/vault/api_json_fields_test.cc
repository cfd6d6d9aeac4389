// The field tables behind the answer codecs (vault/src/api_json_fields.h),
// on a record of their own: every kind of field writes what its reader
// reads back, and each bad input is refused with the field named.
#include "api_json_fields.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "test_util.h"

namespace vault::api::internal {
namespace {

constexpr std::string_view kRoute = "GET /v1/things";

enum class Color { kRed, kBlue };

std::string_view ToString(Color c) { return c == Color::kRed ? "red" : "blue"; }

Result<Color> ParseColor(std::string_view name) {
  if (name == "red") return Color::kRed;
  if (name == "blue") return Color::kBlue;
  return Fail(Status::InvalidArgument("unknown color \"" + std::string(name) + "\""));
}

struct Part {
  std::string label;
  int64_t n = 0;
  Color color = Color::kRed;
};

struct Thing {
  std::string name;
  int64_t count = 0;
  bool on = false;
  crypto::PublicKey key{};
  std::vector<uint8_t> blob;
  std::vector<std::string> tags;
  std::optional<int64_t> maybe;
  std::optional<crypto::PublicKey> maybe_key;
  Color color = Color::kRed;
  int64_t period_s = 0;
  Part part;
  std::vector<Part> parts;
  Part single;
};

constexpr auto kPartFields = std::tuple{
    Field("label", &Part::label),
    Field("n", &Part::n),
};

constexpr auto kThingFields = std::tuple{
    Field("name", &Thing::name),
    Field("count", &Thing::count),
    Field("on", &Thing::on),
    Field("key", &Thing::key),
    Field("blob", &Thing::blob),
    Field("tags", &Thing::tags),
    Field("maybe", &Thing::maybe),
    Field("maybe_key", &Thing::maybe_key),
    Field("color", &Thing::color, ParseColor),
    Field("period_hours", &Thing::period_s, InUnits{3600}),
    Field("part_label", &Thing::part, &Part::label),
    Field("part_color", &Thing::part, &Part::color, ParseColor),
    Field("parts", &Thing::parts, Records(kPartFields)),
    Field("single", &Thing::single, Object(kPartFields)),
};

struct Wrapped {
  Thing thing;
  std::string extra;
};

constexpr auto kWrappedFields = std::tuple_cat(Nest(&Wrapped::thing, kThingFields),
                                               std::tuple{Field("extra", &Wrapped::extra)});

Thing SomeThing() {
  Thing t;
  t.name = "n";
  t.count = 3;
  t.on = true;
  t.key.fill(1);
  t.blob = {0xff, 0, 7};
  t.tags = {"a", "b"};
  t.color = Color::kBlue;
  t.period_s = 48 * 3600;
  t.part = {"in", 0, Color::kBlue};
  t.parts = {{"x", 1, Color::kRed}, {"y", 2, Color::kRed}};
  t.single = {"s", 9, Color::kRed};
  return t;
}

Result<Thing> Decode(const json& j) { return FromJson<Thing>(kThingFields, j, kRoute); }

std::string Malformed(std::string_view problem) {
  return "the server sent a malformed answer to GET /v1/things: " + std::string(problem);
}

TEST(ApiJsonFieldsTest, WritesEachKindOfFieldAsTheWireHasIt) {
  EXPECT_EQ(ToJson(kThingFields, SomeThing()).dump(),
            R"({"blob":"/wAH","color":"blue","count":3,"key":")" +
                crypto::ToBase64(SomeThing().key) +
                R"(","name":"n","on":true,"part_color":"blue","part_label":"in",)"
                R"("parts":[{"label":"x","n":1},{"label":"y","n":2}],"period_hours":48,)"
                R"("single":{"label":"s","n":9},"tags":["a","b"]})");
}

TEST(ApiJsonFieldsTest, ReadsBackWhatItWrote) {
  Thing t = SomeThing();
  t.maybe = 0;
  t.maybe_key = crypto::PublicKey{};
  t.maybe_key->fill(4);
  ASSERT_OK_AND_ASSIGN(Thing back, Decode(ToJson(kThingFields, t)));
  EXPECT_EQ(back.name, "n");
  EXPECT_EQ(back.count, 3);
  EXPECT_TRUE(back.on);
  EXPECT_EQ(back.key, t.key);
  EXPECT_EQ(back.blob, t.blob);
  EXPECT_EQ(back.tags, t.tags);
  EXPECT_EQ(back.maybe, 0);
  EXPECT_EQ(back.maybe_key, t.maybe_key);
  EXPECT_EQ(back.color, Color::kBlue);
  EXPECT_EQ(back.period_s, 48 * 3600);
  EXPECT_EQ(back.part.label, "in");
  EXPECT_EQ(back.part.color, Color::kBlue);
  ASSERT_EQ(back.parts.size(), 2u);
  EXPECT_EQ(back.parts[1].label, "y");
  EXPECT_EQ(back.parts[1].n, 2);
  EXPECT_EQ(back.single.n, 9);
  EXPECT_EQ(ToJson(kThingFields, back), ToJson(kThingFields, t));
}

TEST(ApiJsonFieldsTest, OptionalFieldsMayBeAbsentButNotMalformed) {
  const json j = ToJson(kThingFields, SomeThing());
  ASSERT_FALSE(j.contains("maybe"));
  ASSERT_FALSE(j.contains("maybe_key"));
  ASSERT_OK_AND_ASSIGN(Thing absent, Decode(j));
  EXPECT_FALSE(absent.maybe.has_value());
  EXPECT_FALSE(absent.maybe_key.has_value());
  json null_maybe = j;
  null_maybe["maybe"] = nullptr;
  EXPECT_EQ(Decode(null_maybe).error().message(), Malformed("field \"maybe\" must be an integer"));
  json short_key = j;
  short_key["maybe_key"] = crypto::ToBase64(std::vector<uint8_t>(31, 1));
  EXPECT_EQ(Decode(short_key).error().message(),
            Malformed("field \"maybe_key\" must be a base64 32-byte key"));
}

TEST(ApiJsonFieldsTest, RefusesEachBadFieldNamingIt) {
  struct Case {
    const char* field;
    json value;  // null: the field is removed
    std::string problem;
  };
  const Case cases[] = {
      {"name", nullptr, "field \"name\" is missing"},
      {"name", 5, "field \"name\" must be a string"},
      {"count", "3", "field \"count\" must be an integer"},
      {"count", 3.5, "field \"count\" must be an integer"},
      {"on", 1, "field \"on\" must be true or false"},
      {"key", "%%", "field \"key\" must be a base64 32-byte key"},
      {"key", crypto::ToBase64(std::vector<uint8_t>(33, 1)),
       "field \"key\" must be a base64 32-byte key"},
      {"blob", "%%%", "field \"blob\" must be base64"},
      {"blob", json::array({1, 2}), "field \"blob\" must be a string"},
      {"tags", "a", "field \"tags\" must be a list"},
      {"tags", json::array({"a", 1}), "field \"tags\" must be a list of strings"},
      {"color", "Blue", "field \"color\": unknown color \"Blue\""},
      {"color", 1, "field \"color\" must be a string"},
      {"period_hours", -1, "field \"period_hours\" is out of range"},
      {"period_hours", int64_t{1} << 41, "field \"period_hours\" is out of range"},
      {"part_label", nullptr, "field \"part_label\" is missing"},
      {"part_color", "green", "field \"part_color\": unknown color \"green\""},
      {"parts", json::object(), "field \"parts\" must be a list"},
      {"parts", json::array({1}), "parts: expected a JSON object"},
      {"parts", json::array({{{"label", "x"}}}), "parts: field \"n\" is missing"},
      {"parts", json::array({{{"label", "x"}, {"n", "1"}}}),
       "parts: field \"n\" must be an integer"},
      {"single", json::array(), "field \"single\" must be an object"},
      {"single", {{"label", 2}, {"n", 1}}, "single: field \"label\" must be a string"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.field) + " = " + c.value.dump());
    json j = ToJson(kThingFields, SomeThing());
    if (c.value.is_null()) {
      j.erase(c.field);
    } else {
      j[c.field] = c.value;
    }
    auto r = Decode(j);
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(r.error().IsInternal()) << r.error().ToString();
    EXPECT_EQ(r.error().message(), Malformed(c.problem));
  }
}

TEST(ApiJsonFieldsTest, TheFirstProblemInTableOrderIsTheOneNamed) {
  json j = ToJson(kThingFields, SomeThing());
  j["single"] = 1;
  j["count"] = "x";
  j.erase("color");
  EXPECT_EQ(Decode(j).error().message(), Malformed("field \"count\" must be an integer"));
  for (const json& not_object : {json::array(), json("x"), json(nullptr), json(1)}) {
    EXPECT_EQ(Decode(not_object).error().message(), Malformed("expected a JSON object"));
  }
}

TEST(ApiJsonFieldsTest, ANestedTableReadsAndWritesTheInnerRecord) {
  Wrapped w{SomeThing(), "more"};
  json j = ToJson(kWrappedFields, w);
  json expected = ToJson(kThingFields, w.thing);
  expected["extra"] = "more";
  EXPECT_EQ(j, expected);
  ASSERT_OK_AND_ASSIGN(Wrapped back, FromJson<Wrapped>(kWrappedFields, j, kRoute));
  EXPECT_EQ(back.extra, "more");
  EXPECT_EQ(back.thing.part.label, "in");
  EXPECT_EQ(back.thing.blob, w.thing.blob);
  j.erase("count");
  EXPECT_EQ(FromJson<Wrapped>(kWrappedFields, j, kRoute).error().message(),
            Malformed("field \"count\" is missing"));
}

}  // namespace
}  // namespace vault::api::internal
