// The generic settings form builds itself from any settings table: here the captioner's recipe and
// the generator's training options (the training recipe's form is training_panel_test's).
#include "core/caption/caption_recipe.h"
#include "core/gen/generator_recipe.h"
#include "support/test_support.h"
#include "widgets/settings_form.h"
#include "widgets_test_support.h"

#include <catch2/catch.hpp>

#include <QCheckBox>
#include <QComboBox>
#include <QLineEdit>

using namespace genra;

TEST_CASE("a settings form builds itself from the captioner's and the generator's tables", "[widgets][train]") {
    test::app();
    SECTION("captioner recipe") {
        widgets::SettingsForm::Options o;
        o.fields = caption::captionRecipeFields();
        o.check = [](const nlohmann::json& j, const std::string& source) { caption::parseCaptionRecipe(j, source); };
        o.source = "caption recipe";
        o.suggestionKeys = {"clip_model", "dataset"};
        widgets::SettingsForm form(o);
        for (const auto& f : caption::captionRecipeFields()) {
            INFO(f.key);
            REQUIRE(form.editor(f.key) != nullptr);
            CHECK(form.editor(f.key)->toolTip().contains(QString::fromStdString(f.help)));
        }
        CHECK(qobject_cast<QComboBox*>(form.editor("train_on")) != nullptr);
        CHECK(qobject_cast<QCheckBox*>(form.editor("normalize_prefix")) != nullptr);
        // Defaults lack the required keys; the parser's message names them.
        CHECK(form.validate().contains(QStringLiteral("clip_model")));
        form.setValues({{"clip_model", "clip"}, {"dataset", "shapes"}, {"steps", 6}});
        CHECK(form.validate().isEmpty());
        CHECK(caption::toJson(caption::parseCaptionRecipe(form.values())).at("steps") == 6);
        qobject_cast<QLineEdit*>(form.editor("prefix_length"))->setText(QStringLiteral("0"));
        CHECK(form.validate().contains(QStringLiteral("prefix_length")));
        CHECK_THROWS_WITH(form.setValues({{"prefix_lenght", 4}}), Catch::Contains("prefix_lenght"));
    }
    SECTION("generator training options, lists included") {
        widgets::SettingsForm::Options o;
        o.fields = gen::generatorRecipeSchema().fields();
        o.check = [](const nlohmann::json& j, const std::string& source) { gen::generatorTrainOptionsFromJson(j, source); };
        widgets::SettingsForm form(o);
        CHECK(form.values() == gen::toJson(gen::GeneratorTrainOptions{}));
        qobject_cast<QLineEdit*>(form.editor("channel_mults"))->setText(QStringLiteral("1, 2, 4"));
        CHECK(form.values().at("channel_mults") == nlohmann::json{1, 2, 4});
        CHECK(gen::generatorTrainOptionsFromJson(form.values(), "form").channelMults == std::vector<std::int64_t>{1, 2, 4});
        qobject_cast<QLineEdit*>(form.editor("condition_dropout"))->setText(QStringLiteral("1.5"));
        CHECK(form.validate().contains(QStringLiteral("condition_dropout")));
    }
}

TEST_CASE("a settings form refuses a loaded file nested too deeply or holding a number out of range",
          "[widgets][hostile]") {
    // The same limits as every JSON file from outside (util::parseUntrustedJson): a number such as
    // 1e400 escaped as nlohmann's out_of_range (found by the recipe fuzz target), and the nesting
    // was not limited at all.
    test::app();
    widgets::SettingsForm::Options o;
    o.fields = caption::captionRecipeFields();
    o.check = [](const nlohmann::json& j, const std::string& source) { caption::parseCaptionRecipe(j, source); };
    o.source = "caption recipe";
    widgets::SettingsForm form(o);
    form.setValues({{"clip_model", "clip"}, {"dataset", "shapes"}, {"steps", 6}});
    test::TempDir tmp;
    const auto huge = tmp / "huge.json";
    test::writeFile(huge, "{\"clip_model\": \"c\", \"dataset\": \"d\", \"steps\": 1e400}");
    CHECK_THROWS_WITH(form.loadFile(QString::fromStdString(huge.string())),
                      Catch::Contains(huge.string()) && Catch::Contains("1e400") && Catch::Contains("out of range"));
    const auto deep = tmp / "deep.json";
    test::writeFile(deep, "{\"clip_model\": " + std::string(100000, '[') + std::string(100000, ']') + "}");
    CHECK_THROWS_WITH(form.loadFile(QString::fromStdString(deep.string())),
                      Catch::Contains(deep.string()) && Catch::Contains("nested deeper than"));
    CHECK(form.values().at("steps") == 6);
}
