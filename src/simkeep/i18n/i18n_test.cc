#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "simkeep/domain/payment.h"
#include "simkeep/domain/payment_failure.h"
#include "simkeep/i18n/internal/catalog.h"
#include "simkeep/i18n/language.h"
#include "simkeep/i18n/limits.h"
#include "simkeep/i18n/messages.h"

namespace simkeep::i18n {
namespace {

using L = Language;

std::set<std::string> KeySet(Language language) {
  std::span<const std::string> keys = MessageKeys(language);
  return {keys.begin(), keys.end()};
}

std::set<std::string> PlaceholderSet(std::string_view text) {
  std::vector<std::string> names = internal::Placeholders(text);
  return {names.begin(), names.end()};
}

// --- The catalog files ---

TEST(CatalogFilesTest, OneEmbeddedFilePerLanguageAndEachIsAValidCatalog) {
  ASSERT_EQ(internal::EmbeddedCatalogs().size(), AllLanguages().size());
  for (Language language : AllLanguages()) {
    int found = 0;
    for (const internal::EmbeddedCatalog& embedded : internal::EmbeddedCatalogs()) {
      if (embedded.tag == LanguageTag(language)) {
        ++found;
        Result<internal::FlatCatalog> texts =
            internal::ParseCatalog(internal::CatalogJson(embedded));
        ASSERT_TRUE(texts.has_value()) << embedded.tag << ": " << texts.error().message;
        EXPECT_EQ(texts->size(), MessageKeys(language).size()) << embedded.tag;
      }
    }
    EXPECT_EQ(found, 1) << LanguageTag(language);
  }
}

TEST(CatalogFilesTest, TheBinaryCarriesTheFilesByteForByte) {
  for (const internal::EmbeddedCatalog& embedded : internal::EmbeddedCatalogs()) {
    const std::string path = SIMKEEP_SOURCE_DIR "/i18n/" + std::string(embedded.tag) + ".json";
    std::ifstream file(path, std::ios::binary);
    ASSERT_TRUE(file.is_open()) << path;
    std::stringstream content;
    content << file.rdbuf();
    EXPECT_EQ(internal::CatalogJson(embedded), content.str()) << path;
  }
}

TEST(CatalogFilesTest, EveryLanguageHasExactlyTheKeysOfEnglish) {
  const std::set<std::string> english = KeySet(L::kEn);
  ASSERT_FALSE(english.empty());
  for (Language language : AllLanguages()) {
    const std::set<std::string> keys = KeySet(language);
    for (const std::string& key : english) {
      EXPECT_TRUE(keys.contains(key)) << "i18n/" << LanguageTag(language) << ".json lacks " << key;
    }
    for (const std::string& key : keys) {
      EXPECT_TRUE(english.contains(key))
          << "i18n/en.json lacks " << key << " (present in " << LanguageTag(language) << ")";
    }
  }
}

TEST(CatalogFilesTest, NoTextIsEmptyOrBlank) {
  for (Language language : AllLanguages()) {
    for (const std::string& key : MessageKeys(language)) {
      std::optional<std::string_view> text = Lookup(language, key);
      ASSERT_TRUE(text.has_value()) << key;
      EXPECT_NE(text->find_first_not_of(" \t\n"), std::string_view::npos)
          << LanguageTag(language) << " " << key;
    }
  }
}

TEST(CatalogFilesTest, PlaceholdersAreTheSameInEveryLanguage) {
  for (const std::string& key : MessageKeys(L::kEn)) {
    const std::set<std::string> english = PlaceholderSet(*Lookup(L::kEn, key));
    for (Language language : AllLanguages()) {
      std::optional<std::string_view> text = Lookup(language, key);
      if (!text) {
        continue;  // Reported by EveryLanguageHasExactlyTheKeysOfEnglish.
      }
      EXPECT_EQ(PlaceholderSet(*text), english) << LanguageTag(language) << " " << key;
    }
  }
}

TEST(CatalogFilesTest, BracesOnlyAppearAsKnownPlaceholders) {
  // What PaymentAction carries, and the deadline as the caller formats it; then what
  // notify::MessageRenderer fills into the notification texts.
  const std::set<std::string> known = {"payment_number",
                                       "confirmation_number",
                                       "institution_number",
                                       "deadline",
                                       "number",
                                       "reason",
                                       "next",
                                       "expires_at",
                                       "days",
                                       "plan",
                                       "amount_jpy",
                                       "renew_at",
                                       "next_attempt_at",
                                       "receipt_number",
                                       "method",
                                       "deadline_at",
                                       "suspend_at",
                                       "terminate_at",
                                       "speed_kbps",
                                       "remaining_bytes",
                                       "threshold_bytes",
                                       "kind",
                                       "expired_at"};
  std::map<std::string, std::string> blanks;
  for (const std::string& name : known) {
    blanks[name] = "";
  }
  for (Language language : AllLanguages()) {
    for (const std::string& key : MessageKeys(language)) {
      const std::string_view text = *Lookup(language, key);
      for (const std::string& name : internal::Placeholders(text)) {
        EXPECT_TRUE(known.contains(name)) << LanguageTag(language) << " " << key << ": " << name;
      }
      // A lone brace is a mistyped placeholder ("{payment_number}}"), and "$t(" would be
      // i18next nesting, which Translate does not do.
      const std::string rest = internal::Interpolate(text, blanks);
      EXPECT_EQ(rest.find_first_of("{}"), std::string::npos) << LanguageTag(language) << " " << key;
      EXPECT_EQ(text.find("$t("), std::string_view::npos) << LanguageTag(language) << " " << key;
    }
  }
}

TEST(CatalogFilesTest, SentencesAreTranslatedNotCopied) {
  // Names (PayPay, 7-Eleven) may be the same everywhere; sentences may not.
  for (const std::string& key : MessageKeys(L::kEn)) {
    if (key.starts_with("payment.method.") || key.starts_with("payment.store.")) {
      continue;
    }
    for (Language language : {L::kZhHans, L::kZhHant, L::kJa}) {
      EXPECT_NE(Lookup(language, key).value_or(""), Lookup(L::kEn, key).value_or(""))
          << LanguageTag(language) << " " << key;
    }
    EXPECT_NE(Lookup(L::kZhHans, key).value_or(""), Lookup(L::kZhHant, key).value_or("")) << key;
  }
}

// Removes the fullwidth-parenthesised parts of a text: the Chinese instructions quote Japanese
// terms there (お客様番号, 確認番号), whose kanji are neither script.
std::string WithoutParentheses(std::string_view text) {
  std::string result;
  while (!text.empty()) {
    const size_t open = text.find("（");
    const size_t close = open == std::string_view::npos ? open : text.find("）", open);
    if (close == std::string_view::npos) {
      result.append(text);
      break;
    }
    result.append(text.substr(0, open));
    text.remove_prefix(close + std::string_view("）").size());
  }
  return result;
}

TEST(CatalogFilesTest, ChineseTextsKeepToTheirScript) {
  // Characters whose form differs between the scripts and that such texts commonly use.
  const std::vector<std::string> simplified_only = {
      "请", "为", "时", "钟", "银", "号", "码", "单", "账", "额", "过", "无", "错", "误", "务",
      "应", "发", "这", "现", "输", "确", "认", "关", "网", "联", "项", "会", "后", "费", "续",
      "转", "与", "机", "构", "处", "验", "证", "汇", "选", "卖", "对", "库", "内"};
  const std::vector<std::string> traditional_only = {
      "請", "為", "時", "鐘", "銀", "號", "碼", "單", "帳", "額", "過", "無", "錯", "誤", "務",
      "應", "發", "這", "現", "輸", "確", "認", "關", "網", "聯", "項", "會", "後", "費", "續",
      "轉", "與", "機", "構", "處", "驗", "證", "匯", "櫃", "檯", "螢", "選", "對", "內"};
  for (const std::string& key : MessageKeys(L::kEn)) {
    const std::string hans = WithoutParentheses(Lookup(L::kZhHans, key).value_or(""));
    const std::string hant = WithoutParentheses(Lookup(L::kZhHant, key).value_or(""));
    for (const std::string& character : traditional_only) {
      EXPECT_EQ(hans.find(character), std::string::npos) << "zh-Hans " << key << ": " << character;
    }
    for (const std::string& character : simplified_only) {
      EXPECT_EQ(hant.find(character), std::string::npos) << "zh-Hant " << key << ": " << character;
    }
  }
}

// --- Everything the domain names has its texts ---

void ExpectTextInEveryLanguage(const std::string& key) {
  for (Language language : AllLanguages()) {
    EXPECT_TRUE(HasKey(language, key)) << "i18n/" << LanguageTag(language) << ".json lacks " << key;
  }
}

// The keys directly under `group` in the English catalog ("payment.failure." -> reasons).
std::set<std::string> KeysUnder(const std::string& group) {
  std::set<std::string> names;
  for (const std::string& key : MessageKeys(L::kEn)) {
    if (key.starts_with(group)) {
      names.insert(key.substr(group.size()));
    }
  }
  return names;
}

TEST(DomainTextsTest, EveryFailureReasonHasATextAndNoOtherDoes) {
  std::set<std::string> reasons;
  for (std::string_view reason : domain::KnownFailureReasons()) {
    ExpectTextInEveryLanguage("payment.failure." + std::string(reason));
    reasons.emplace(reason);
  }
  EXPECT_EQ(KeysUnder("payment.failure."), reasons);
}

TEST(DomainTextsTest, EveryAdviceHasATextAndNoOtherDoes) {
  std::set<std::string> names;
  for (domain::PaymentAdvice advice : domain::AllPaymentAdvice()) {
    ExpectTextInEveryLanguage(std::string("payment.advice.") + domain::PaymentAdviceName(advice));
    names.insert(domain::PaymentAdviceName(advice));
  }
  EXPECT_EQ(KeysUnder("payment.advice."), names);
}

TEST(DomainTextsTest, EveryPaymentMethodAndStoreHasAName) {
  std::set<std::string> methods;
  for (domain::PaymentMethod method : domain::AllPaymentMethods()) {
    ExpectTextInEveryLanguage(std::string("payment.method.") + domain::PaymentMethodName(method));
    methods.insert(domain::PaymentMethodName(method));
  }
  EXPECT_EQ(KeysUnder("payment.method."), methods);
  std::set<std::string> stores;
  for (domain::KonbiniStore store : domain::AllKonbiniStores()) {
    ExpectTextInEveryLanguage(std::string("payment.store.") + domain::KonbiniStoreName(store));
    stores.insert(domain::KonbiniStoreName(store));
  }
  EXPECT_EQ(KeysUnder("payment.store."), stores);
}

TEST(DomainTextsTest, EveryDeferredPaymentHasInstructionsWithWhatItNeeds) {
  using Names = std::set<std::string>;
  std::map<std::string, Names> expected = {
      {"pay_easy", {"institution_number", "payment_number", "confirmation_number", "deadline"}},
      {"bank_transfer", {"payment_number", "deadline"}},
  };
  for (domain::KonbiniStore store : domain::AllKonbiniStores()) {
    expected[domain::KonbiniStoreName(store)] = {"payment_number", "deadline"};
  }
  // Loppi asks for a customer number and a confirmation number; Famiポート for a company code
  // (the confirmation number) and an order number.
  for (const char* store : {"lawson", "ministop", "family-mart"}) {
    expected[store].insert("confirmation_number");
  }
  std::set<std::string> names;
  for (const auto& [name, placeholders] : expected) {
    const std::string key = "payment.instructions." + name;
    ExpectTextInEveryLanguage(key);
    EXPECT_EQ(PlaceholderSet(Lookup(L::kEn, key).value_or("")), placeholders) << key;
    names.insert(name);
  }
  EXPECT_EQ(KeysUnder("payment.instructions."), names);
  // The deferred methods are exactly the ones with instructions.
  for (domain::PaymentMethod method : domain::AllPaymentMethods()) {
    if (domain::FlowOf(method) == domain::PaymentFlow::kDeferred &&
        method != domain::PaymentMethod::kKonbini) {
      EXPECT_TRUE(names.contains(domain::PaymentMethodName(method)))
          << domain::PaymentMethodName(method);
    }
  }
}

// --- Translate ---

TEST(TranslateTest, ReturnsTheTextOfTheLanguage) {
  EXPECT_EQ(Translate(L::kEn, "payment.failure.expired_card"), "Your card has expired.");
  EXPECT_EQ(Translate(L::kJa, "payment.method.konbini"), "コンビニ払い");
  EXPECT_EQ(Translate(L::kJa, "payment.method.pay_easy"), "ペイジー");
  EXPECT_EQ(Translate(L::kJa, "payment.store.seven-eleven"), "セブン-イレブン");
  EXPECT_EQ(Translate(L::kJa, "payment.store.family-mart"), "ファミリーマート");
  EXPECT_EQ(Translate(L::kZhHans, "payment.method.alipay"), "支付宝");
  EXPECT_EQ(Translate(L::kZhHant, "payment.method.alipay"), "支付寶");
  EXPECT_EQ(Translate(L::kZhHans, "payment.store.family-mart"), "全家");
}

TEST(TranslateTest, FillsInPlaceholders) {
  const std::string text = Translate(L::kJa, "payment.instructions.lawson",
                                     {{"payment_number", "1234567890"},
                                      {"confirmation_number", "4321"},
                                      {"deadline", "2025年4月3日 23:59"},
                                      {"unused", "ignored"}});
  EXPECT_NE(text.find("お客様番号 1234567890"), std::string::npos) << text;
  EXPECT_NE(text.find("確認番号 4321"), std::string::npos) << text;
  EXPECT_NE(text.find("2025年4月3日 23:59までに"), std::string::npos) << text;
  EXPECT_EQ(text.find("{{"), std::string::npos) << text;
  EXPECT_EQ(text.find("ignored"), std::string::npos) << text;
}

TEST(TranslateTest, LeavesPlaceholdersWithoutArgumentsAsWritten) {
  const std::string text =
      Translate(L::kEn, "payment.instructions.bank_transfer", {{"payment_number", "X"}});
  EXPECT_NE(text.find("{{deadline}}"), std::string::npos) << text;
  EXPECT_EQ(text.find("{{payment_number}}"), std::string::npos) << text;
}

TEST(TranslateTest, UnknownKeysAndGroupsGiveTheKey) {
  for (Language language : AllLanguages()) {
    EXPECT_EQ(Translate(language, "payment.failure.no_such_reason"),
              "payment.failure.no_such_reason");
    EXPECT_EQ(Translate(language, "payment.failure"), "payment.failure");
    EXPECT_EQ(Translate(language, ""), "");
    EXPECT_FALSE(HasKey(language, "payment.failure"));
    EXPECT_FALSE(HasKey(language, "payment"));
    EXPECT_FALSE(HasKey(language, "payment.failure.card_declined.x"));
    EXPECT_FALSE(HasKey(language, "Payment.failure.card_declined"));
    EXPECT_TRUE(HasKey(language, "payment.failure.card_declined"));
  }
}

TEST(TranslateTest, FallsBackToEnglishThenToTheKey) {
  Result<internal::FlatCatalog> english =
      internal::ParseCatalog(R"({"a": {"both": "B", "en_only": "E {{n}}"}})");
  Result<internal::FlatCatalog> japanese = internal::ParseCatalog(R"({"a": {"both": "ビー"}})");
  ASSERT_TRUE(english.has_value());
  ASSERT_TRUE(japanese.has_value());
  EXPECT_EQ(internal::Resolve(*japanese, *english, "a.both", {}), "ビー");
  EXPECT_EQ(internal::Resolve(*japanese, *english, "a.en_only", {{"n", "1"}}), "E 1");
  EXPECT_EQ(internal::Resolve(*japanese, *english, "a.neither", {{"n", "1"}}), "a.neither");
  EXPECT_EQ(internal::Resolve(*japanese, *english, "a", {}), "a");
}

TEST(TranslateTest, IsSafeFromManyThreadsAtOnce) {
  // Meaningful under the tsan preset, where the first use may well happen here.
  std::vector<std::thread> threads;
  std::vector<std::string> results(8);
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([i, &results] {
      const Language language = AllLanguages()[i % AllLanguages().size()];
      results[i] = Translate(language, "payment.advice.pay_again");
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i],
              Translate(AllLanguages()[i % AllLanguages().size()], "payment.advice.pay_again"));
  }
}

// --- Placeholder syntax ---

TEST(InterpolateTest, FollowsI18nextSyntax) {
  const std::map<std::string, std::string> args = {{"a", "1"}, {"b", "{{a}}"}, {"c", ""}};
  EXPECT_EQ(internal::Interpolate("x{{a}}y", args), "x1y");
  EXPECT_EQ(internal::Interpolate("{{ a }} {{a}}{{a}}", args), "1 11");
  EXPECT_EQ(internal::Interpolate("{{b}}", args), "{{a}}");  // Values are not scanned again.
  EXPECT_EQ(internal::Interpolate("[{{c}}]", args), "[]");
  EXPECT_EQ(internal::Interpolate("{{missing}} and {{ missing }}", args),
            "{{missing}} and {{ missing }}");
  EXPECT_EQ(internal::Interpolate("{{a", args), "{{a");
  EXPECT_EQ(internal::Interpolate("a}} {a}", args), "a}} {a}");
  EXPECT_EQ(internal::Interpolate("{{}}", args), "{{}}");
  EXPECT_EQ(internal::Interpolate("", args), "");
  EXPECT_EQ(internal::Interpolate("日本{{a}}語", args), "日本1語");
  EXPECT_EQ(internal::Placeholders("{{ a }}, {{b}} {{a}} {{c"),
            (std::vector<std::string>{"a", "b", "a"}));
}

// --- Catalog parser ---

std::string ParseProblem(std::string_view json) {
  Result<internal::FlatCatalog> texts = internal::ParseCatalog(json);
  if (texts) {
    return "";
  }
  EXPECT_EQ(texts.error().reason, "catalog_invalid");
  return texts.error().message;
}

TEST(ParseCatalogTest, FlattensNestedObjectsToDottedKeys) {
  Result<internal::FlatCatalog> texts =
      internal::ParseCatalog(R"({"a": {"b": {"c": "C"}, "d": "D"}, "e": "E", "f": {}})");
  ASSERT_TRUE(texts.has_value()) << texts.error().message;
  EXPECT_EQ(*texts, (internal::FlatCatalog{{"a.b.c", "C"}, {"a.d", "D"}, {"e", "E"}}));
}

TEST(ParseCatalogTest, RejectsWhatIsNotACatalog) {
  EXPECT_NE(ParseProblem("{"), "");
  EXPECT_NE(ParseProblem(""), "");
  EXPECT_NE(ParseProblem(R"(["a"])"), "");
  EXPECT_NE(ParseProblem(R"("a")"), "");
  EXPECT_NE(ParseProblem(R"({"a": "x"} trailing)"), "");
  EXPECT_NE(ParseProblem(R"({"a": {"b": "x", "b": "y"}})").find("duplicate key \"b\""),
            std::string::npos);
  EXPECT_NE(ParseProblem(R"({"a": {"n": 1}})").find("a.n"), std::string::npos);
  EXPECT_NE(ParseProblem(R"({"a": ["x"]})").find("array"), std::string::npos);
  EXPECT_NE(ParseProblem(R"({"a": null})"), "");
  EXPECT_NE(ParseProblem(R"({"a": true})"), "");
  EXPECT_NE(ParseProblem(R"({"a": {"b": ""}})").find("empty text"), std::string::npos);
  EXPECT_NE(ParseProblem(R"({"a.b": "x"})"), "");
  EXPECT_NE(ParseProblem(R"({"ns:a": "x"})"), "");
  EXPECT_NE(ParseProblem(R"({"": "x"})"), "");
}

TEST(ParseCatalogTest, NestingAtTheBound) {
  auto nested = [](int depth) {
    std::string json;
    for (int i = 0; i < depth; ++i) {
      json += "{\"k\": ";
    }
    json += "\"text\"";
    json.append(static_cast<size_t>(depth), '}');
    return json;
  };
  Result<internal::FlatCatalog> deepest = internal::ParseCatalog(nested(kCatalogDepthMax));
  ASSERT_TRUE(deepest.has_value()) << deepest.error().message;
  std::string key = "k";
  for (int i = 1; i < kCatalogDepthMax; ++i) {
    key += ".k";
  }
  EXPECT_EQ(deepest->count(key), 1u);
  EXPECT_NE(ParseProblem(nested(kCatalogDepthMax + 1)).find("nested deeper"), std::string::npos);
}

// --- Languages ---

TEST(LanguageTest, TagsRoundTrip) {
  const std::vector<std::string> tags = {"zh-Hans", "zh-Hant", "ja", "en"};
  ASSERT_EQ(AllLanguages().size(), tags.size());
  for (size_t i = 0; i < tags.size(); ++i) {
    EXPECT_EQ(LanguageTag(AllLanguages()[i]), tags[i]);
    EXPECT_EQ(ParseLanguage(tags[i]), AllLanguages()[i]);
  }
}

TEST(LanguageTest, ParsesTagsAndCommonAliases) {
  const std::map<std::string, Language> cases = {
      {"ZH-HANS", L::kZhHans},
      {"zh-hant", L::kZhHant},
      {"JA", L::kJa},
      {"En", L::kEn},
      {"zh", L::kZhHans},
      {"zh-CN", L::kZhHans},
      {"zh-SG", L::kZhHans},
      {"zh-MY", L::kZhHans},
      {"zh-TW", L::kZhHant},
      {"zh-HK", L::kZhHant},
      {"zh-MO", L::kZhHant},
      {"zh-tw", L::kZhHant},
      {"zh_TW", L::kZhHant},
      {"zh_CN", L::kZhHans},
      {"zh-Hant-TW", L::kZhHant},
      {"zh-Hant-HK", L::kZhHant},
      {"zh-Hans-CN", L::kZhHans},
      {"zh-Hans-HK", L::kZhHans},
      {"zh-Hant-CN", L::kZhHant},
      {"zh-US", L::kZhHans},
      {"ja-JP", L::kJa},
      {"ja_JP", L::kJa},
      {"en-US", L::kEn},
      {"en-GB", L::kEn},
      {"en-001", L::kEn},
      {"en_US", L::kEn},
      {"en-Latn-US", L::kEn},
  };
  for (const auto& [text, language] : cases) {
    EXPECT_EQ(ParseLanguage(text), language) << text;
  }
}

TEST(LanguageTest, RejectsOtherLanguagesAndMalformedTags) {
  for (std::string_view text :
       {"",      "*",     "ko",           "fr-FR",     "zho",         "jpn",   "english",
        "e",     "en-",   "-en",          "ja--JP",    "ja-JP-",      " en",   "en ",
        "en US", "en.US", "en-abcdefghi", "abcdefghi", "zh-Hant;q=1", "日本語"}) {
    EXPECT_EQ(ParseLanguage(text), std::nullopt) << text;
  }
}

TEST(NegotiateLanguageTest, TakesTheHighestQValueThenTheEarliestRange) {
  const std::map<std::string, Language> cases = {
      {"ja", L::kJa},
      {"ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7", L::kJa},
      {"zh-TW,zh;q=0.9,en-US;q=0.8,en;q=0.7", L::kZhHant},
      {"zh-CN,zh;q=0.9", L::kZhHans},
      {"zh-HK", L::kZhHant},
      {"en;q=0.5, ja;q=0.8", L::kJa},
      {"en;q=0.5, ja;q=0.8, zh-Hant;q=0.9", L::kZhHant},
      {"ja;q=0.5, en;q=0.5", L::kJa},
      {"en;q=0.5, ja;q=0.5", L::kEn},
      {"ja;q=0.001, en;q=0", L::kJa},
      {"en;q=1.000, ja", L::kEn},
      {"ko-KR, fr;q=0.9, ja;q=0.1", L::kJa},  // Languages we lack are skipped.
      {"JA-jp;Q=0.9", L::kJa},
      {"en ; q=0.9 ,\tja ;q=1", L::kJa},  // Spaces and tabs around ';' and ','.
      {",, en-GB ,", L::kEn},             // Empty list elements.
      {"ja;q=0., en;q=1.", L::kEn},
  };
  for (const auto& [header, language] : cases) {
    EXPECT_EQ(NegotiateLanguage(header, L::kZhHans), language) << header;
  }
}

TEST(NegotiateLanguageTest, QZeroRefusesALanguage) {
  EXPECT_EQ(NegotiateLanguage("ja;q=0, en;q=0.1", L::kZhHans), L::kEn);
  EXPECT_EQ(NegotiateLanguage("ja-JP, ja;q=0, en;q=0.1", L::kZhHans), L::kEn);
  EXPECT_EQ(NegotiateLanguage("ja;q=0", L::kEn), L::kEn);
  EXPECT_EQ(NegotiateLanguage("zh;q=0, zh-TW;q=0.5", L::kJa), L::kZhHant);
}

TEST(NegotiateLanguageTest, WildcardMeansTheFallback) {
  EXPECT_EQ(NegotiateLanguage("*", L::kJa), L::kJa);
  EXPECT_EQ(NegotiateLanguage("ko, *;q=0.5", L::kEn), L::kEn);
  EXPECT_EQ(NegotiateLanguage("*;q=0.9, zh-TW", L::kEn), L::kZhHant);
  // The fallback refused: our first language the header does not refuse.
  EXPECT_EQ(NegotiateLanguage("*, zh-Hans;q=0", L::kZhHans), L::kZhHant);
  EXPECT_EQ(NegotiateLanguage("*, zh;q=0, zh-TW;q=0, ja;q=0, en;q=0", L::kJa), L::kJa);
}

TEST(NegotiateLanguageTest, UnknownLanguagesGiveTheFallback) {
  for (Language fallback : AllLanguages()) {
    EXPECT_EQ(NegotiateLanguage("", fallback), fallback);
    EXPECT_EQ(NegotiateLanguage("ko-KR, fr;q=0.8", fallback), fallback);
    EXPECT_EQ(NegotiateLanguage("x-klingon", fallback), fallback);
    EXPECT_EQ(NegotiateLanguage(" , ", fallback), fallback);
  }
}

TEST(NegotiateLanguageTest, MalformedHeadersGiveTheFallback) {
  for (std::string_view header :
       {"ja;q=2",   "ja;q=1.001",   "ja;q=0.0001", "ja;q=-1",   "ja;q=",      "ja;q",
        "ja;",      "ja;q=0.5;q=1", "ja;level=1",  "ja;q =0.5", "ja; q= 0.5", "ja;q=.5",
        "ja;q=0,5", "en_US, ja",    "ja-",         "-ja",       "ja--JP",     "abcdefghi",
        "ja en",    "ja;q=0.5x",    "日本語",      "ja\n",      "en-US\x01"}) {
    EXPECT_EQ(NegotiateLanguage(header, L::kZhHant), L::kZhHant) << header;
    // A malformed range discards the whole header, not just that range.
    EXPECT_EQ(NegotiateLanguage(std::string(header) + ", en", L::kZhHant), L::kZhHant) << header;
  }
}

TEST(NegotiateLanguageTest, LengthAndRangeCountAtTheBound) {
  std::string longest = "ja";
  longest.append(kAcceptLanguageBytesMax - longest.size() - 1, ' ');
  longest += ",";
  ASSERT_EQ(longest.size(), kAcceptLanguageBytesMax);
  EXPECT_EQ(NegotiateLanguage(longest, L::kEn), L::kJa);
  EXPECT_EQ(NegotiateLanguage(longest + " ", L::kEn), L::kEn);

  std::string most;
  for (size_t i = 1; i < kAcceptLanguageRangesMax; ++i) {
    most += "ko;q=0.9, ";
  }
  most += "ja;q=0.1";
  EXPECT_EQ(NegotiateLanguage(most, L::kEn), L::kJa);
  EXPECT_EQ(NegotiateLanguage(most + ", fr", L::kEn), L::kEn);
}

}  // namespace
}  // namespace simkeep::i18n
