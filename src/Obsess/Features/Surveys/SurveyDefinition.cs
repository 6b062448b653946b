using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Obsess.Features.Surveys;

/// <summary>Question types a survey may ask.</summary>
public static class QuestionTypes
{
    /// <summary>Net Promoter question, 0–10.</summary>
    public const string Nps = "nps";

    /// <summary>Customer satisfaction, 1–5.</summary>
    public const string Csat = "csat";

    /// <summary>Customer effort, 1–7.</summary>
    public const string Ces = "ces";

    /// <summary>A rating 1..<see cref="SurveyQuestion.Scale"/> (2–10).</summary>
    public const string Rating = "rating";

    public const string SingleChoice = "single";

    public const string MultipleChoice = "multiple";

    public const string Text = "text";

    public static readonly IReadOnlyList<string> All = [Nps, Csat, Ces, Rating, SingleChoice, MultipleChoice, Text];

    public static bool IsScale(string type) => type is Nps or Csat or Ces or Rating;

    public static bool IsChoice(string type) => type is SingleChoice or MultipleChoice;

    /// <summary>The lowest and highest score of a scale question.</summary>
    public static (int Min, int Max) Range(SurveyQuestion q) => q.Type switch
    {
        Nps => (0, 10),
        Csat => (1, 5),
        Ces => (1, 7),
        Rating => (1, q.Scale ?? 5),
        _ => (0, 0),
    };

    public static string Describe(string type) => type switch
    {
        Nps => "NPS (0–10)",
        Csat => "CSAT (1–5)",
        Ces => "Customer effort (1–7)",
        Rating => "Rating (1 to N)",
        SingleChoice => "Single choice",
        MultipleChoice => "Multiple choice",
        Text => "Open text",
        _ => type,
    };
}

/// <summary>What a skip rule compares an answer with.</summary>
public static class RuleOperators
{
    // Scale questions.
    public const string Equal = "eq";
    public const string NotEqual = "ne";
    public const string Less = "lt";
    public const string LessOrEqual = "lte";
    public const string Greater = "gt";
    public const string GreaterOrEqual = "gte";

    // Choice questions: the option is (not) among the chosen ones.
    public const string Chosen = "chosen";
    public const string NotChosen = "not_chosen";

    // Any question.
    public const string Answered = "answered";
    public const string NotAnswered = "not_answered";

    public static readonly IReadOnlyList<string> Scale = [Equal, NotEqual, Less, LessOrEqual, Greater, GreaterOrEqual, Answered, NotAnswered];

    public static readonly IReadOnlyList<string> Choice = [Chosen, NotChosen, Answered, NotAnswered];

    public static readonly IReadOnlyList<string> Text = [Answered, NotAnswered];

    public static IReadOnlyList<string> For(string type) =>
        QuestionTypes.IsScale(type) ? Scale : QuestionTypes.IsChoice(type) ? Choice : Text;

    public static string Describe(string op) => op switch
    {
        Equal => "is",
        NotEqual => "is not",
        Less => "is less than",
        LessOrEqual => "is at most",
        Greater => "is more than",
        GreaterOrEqual => "is at least",
        Chosen => "includes option",
        NotChosen => "does not include option",
        Answered => "is answered",
        NotAnswered => "is not answered",
        _ => op,
    };
}

/// <summary>What happens when a skip rule matches.</summary>
public static class RuleActions
{
    /// <summary>Jump forward to <see cref="SkipRule.Target"/>.</summary>
    public const string GoTo = "goto";

    /// <summary>End the survey here.</summary>
    public const string End = "end";
}

/// <summary>Label text per language code, e.g. {"en": "How likely…", "de": "Wie wahrscheinlich…"}.</summary>
public sealed class Labels : Dictionary<string, string>
{
    public Labels()
        : base(StringComparer.Ordinal)
    {
    }

    public Labels(IDictionary<string, string> source)
        : base(source, StringComparer.Ordinal)
    {
    }

    /// <summary>The label in <paramref name="language"/>, else in <paramref name="fallback"/>, else any.</summary>
    public string In(string language, string fallback) =>
        TryGetValue(language, out var s) && !string.IsNullOrWhiteSpace(s) ? s
        : TryGetValue(fallback, out var f) && !string.IsNullOrWhiteSpace(f) ? f
        : Values.FirstOrDefault() ?? "";
}

public sealed record SurveyOption
{
    public string? Id { get; init; }

    public Labels Label { get; init; } = [];
}

/// <summary>"After this question, if the answer &lt;operator&gt; &lt;value&gt;, go to &lt;target&gt; (or end the survey)."</summary>
public sealed record SkipRule
{
    public string? Operator { get; init; }

    /// <summary>The score to compare with (scale questions).</summary>
    public double? Score { get; init; }

    /// <summary>The option id to look for (choice questions).</summary>
    public string? Option { get; init; }

    public string? Action { get; init; }

    /// <summary>The question to go to; only with <see cref="RuleActions.GoTo"/>, and only forward.</summary>
    public string? Target { get; init; }
}

public sealed record SurveyQuestion
{
    public string? Id { get; init; }

    public string? Type { get; init; }

    public bool Required { get; init; }

    public Labels Label { get; init; } = [];

    /// <summary>The top of a rating scale (2–10); only for <see cref="QuestionTypes.Rating"/>.</summary>
    public int? Scale { get; init; }

    public List<SurveyOption>? Options { get; init; }

    public List<SkipRule>? Rules { get; init; }
}

/// <summary>The questions of a survey and the languages they are written in; stored as JSON on the survey.</summary>
public sealed record SurveyDefinition
{
    public List<string> Languages { get; init; } = [];

    public string? DefaultLanguage { get; init; }

    public List<SurveyQuestion> Questions { get; init; } = [];

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static SurveyDefinition FromJson(string json) => JsonSerializer.Deserialize<SurveyDefinition>(json, Json) ?? new();

    public SurveyQuestion? Question(string id) => Questions.FirstOrDefault(q => q.Id == id);
}

/// <summary>
/// Checks a survey definition and fills in missing question and option ids. Pure: returns the errors by field
/// (e.g. <c>questions[2].options</c>), the way Problem Details name them, and the normalised definition.
/// </summary>
public static partial class SurveyValidation
{
    public const int MaxNameLength = 200;
    public const int MaxQuestions = 50;
    public const int MaxOptions = 20;
    public const int MaxRules = 10;
    public const int MaxLanguages = 10;
    public const int MaxLabelLength = 500;
    public const int MaxTouchpointLength = 64;
    public const int MaxChannelLength = 32;

    /// <summary>The longest open-text answer accepted, in characters.</summary>
    public const int MaxTextAnswerLength = 5000;

    public static Dictionary<string, string[]> ValidateName(string? name)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(name))
        {
            errors["name"] = ["Give the survey a name."];
        }
        else if (name.Trim().Length > MaxNameLength)
        {
            errors["name"] = [$"The name may be at most {MaxNameLength} characters."];
        }

        return errors;
    }

    public static void ValidateSettings(Dictionary<string, string[]> errors, int? quota, string? touchpoint, string? channel)
    {
        if (quota is < 1 or > 10_000_000)
        {
            errors["responseQuota"] = ["The response quota must be between 1 and 10,000,000, or empty for none."];
        }

        if (touchpoint is not null && !IsTag(touchpoint, MaxTouchpointLength))
        {
            errors["defaultTouchpoint"] = [$"A touchpoint is 1 to {MaxTouchpointLength} lower-case letters, digits, '_' or '-', e.g. support_resolved."];
        }

        if (channel is not null && !IsTag(channel, MaxChannelLength))
        {
            errors["defaultChannel"] = [$"A channel is 1 to {MaxChannelLength} lower-case letters, digits, '_' or '-', e.g. email."];
        }
    }

    /// <summary>True for a short machine tag such as a touchpoint, channel or id: lower-case letters, digits, _ and -.</summary>
    public static bool IsTag(string value, int maxLength) => value.Length <= maxLength && TagPattern().IsMatch(value);

    public static (SurveyDefinition Definition, Dictionary<string, string[]> Errors) Validate(SurveyDefinition? input)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(string field, string message) =>
            errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];

        if (input is null)
        {
            Add("questions", "Give the survey's languages and questions.");
            return (new SurveyDefinition(), errors);
        }

        var languages = (input.Languages ?? []).Select(l => l?.Trim() ?? "").ToList();
        if (languages.Count == 0)
        {
            Add("languages", "Give at least one language code, e.g. en.");
        }
        else if (languages.Count > MaxLanguages)
        {
            Add("languages", $"A survey may have at most {MaxLanguages} languages.");
        }

        for (var i = 0; i < languages.Count; i++)
        {
            if (!LanguagePattern().IsMatch(languages[i]))
            {
                Add($"languages[{i}]", "A language is a code such as en, de or pt-BR.");
            }
        }

        if (languages.Distinct(StringComparer.OrdinalIgnoreCase).Count() != languages.Count)
        {
            Add("languages", "Each language may be listed once.");
        }

        var defaultLanguage = string.IsNullOrWhiteSpace(input.DefaultLanguage) ? languages.FirstOrDefault() : input.DefaultLanguage.Trim();
        if (defaultLanguage is null || !languages.Contains(defaultLanguage))
        {
            Add("defaultLanguage", "The default language must be one of the survey's languages.");
        }

        var questions = input.Questions ?? [];
        if (questions.Count == 0)
        {
            Add("questions", "A survey needs at least one question.");
        }
        else if (questions.Count > MaxQuestions)
        {
            Add("questions", $"A survey may have at most {MaxQuestions} questions.");
        }

        // Ids first, so that rules can refer to questions that are given without one.
        var used = new HashSet<string>(questions.Where(q => q?.Id is not null).Select(q => q!.Id!), StringComparer.Ordinal);
        var next = 1;
        var ids = new List<string>(questions.Count);
        foreach (var q in questions)
        {
            if (!string.IsNullOrWhiteSpace(q?.Id))
            {
                ids.Add(q.Id);
                continue;
            }

            while (used.Contains($"q{next}"))
            {
                next++;
            }

            ids.Add($"q{next}");
            used.Add($"q{next}");
        }

        var normalised = new List<SurveyQuestion>(questions.Count);
        for (var i = 0; i < questions.Count; i++)
        {
            var q = questions[i];
            var at = $"questions[{i}]";
            if (q is null)
            {
                Add(at, "A question may not be null.");
                continue;
            }

            var id = ids[i];
            if (!IsTag(id, 32))
            {
                Add($"{at}.id", "A question id is 1 to 32 lower-case letters, digits, '_' or '-'.");
            }
            else if (ids.Count(x => x == id) > 1)
            {
                Add($"{at}.id", $"Another question already has the id '{id}'.");
            }

            var type = q.Type?.Trim().ToLowerInvariant();
            if (type is null || !QuestionTypes.All.Contains(type))
            {
                Add($"{at}.type", $"The type must be one of: {string.Join(", ", QuestionTypes.All)}.");
                type = null;
            }

            CheckLabels(q.Label, languages, $"{at}.label", Add);

            int? scale = null;
            if (type == QuestionTypes.Rating)
            {
                scale = q.Scale ?? 5;
                if (scale is < 2 or > 10)
                {
                    Add($"{at}.scale", "A rating scale runs from 1 to a top of 2 to 10.");
                }
            }
            else if (q.Scale is not null)
            {
                Add($"{at}.scale", "Only rating questions have a scale.");
            }

            List<SurveyOption>? options = null;
            if (type is not null && QuestionTypes.IsChoice(type))
            {
                options = [];
                var given = q.Options ?? [];
                if (given.Count is < 2 or > MaxOptions)
                {
                    Add($"{at}.options", $"A choice question needs 2 to {MaxOptions} options.");
                }

                var optionIds = new HashSet<string>(given.Where(o => o?.Id is not null).Select(o => o!.Id!), StringComparer.Ordinal);
                var nextOption = 1;
                for (var j = 0; j < given.Count; j++)
                {
                    var o = given[j];
                    var oat = $"{at}.options[{j}]";
                    if (o is null)
                    {
                        Add(oat, "An option may not be null.");
                        continue;
                    }

                    var oid = o.Id;
                    if (string.IsNullOrWhiteSpace(oid))
                    {
                        while (optionIds.Contains($"o{nextOption}"))
                        {
                            nextOption++;
                        }

                        oid = $"o{nextOption}";
                        optionIds.Add(oid);
                    }
                    else if (!IsTag(oid, 32))
                    {
                        Add($"{oat}.id", "An option id is 1 to 32 lower-case letters, digits, '_' or '-'.");
                    }
                    else if (given.Count(x => x?.Id == oid) > 1)
                    {
                        Add($"{oat}.id", $"Another option already has the id '{oid}'.");
                    }

                    CheckLabels(o.Label, languages, $"{oat}.label", Add);
                    options.Add(o with { Id = oid, Label = Trimmed(o.Label) });
                }
            }
            else if (q.Options is { Count: > 0 })
            {
                Add($"{at}.options", "Only choice questions have options.");
            }

            var rules = q.Rules ?? [];
            if (rules.Count > MaxRules)
            {
                Add($"{at}.rules", $"A question may have at most {MaxRules} skip rules.");
            }

            var normalisedRules = new List<SkipRule>(rules.Count);
            for (var k = 0; k < rules.Count; k++)
            {
                var r = rules[k];
                var rat = $"{at}.rules[{k}]";
                if (r is null)
                {
                    Add(rat, "A rule may not be null.");
                    continue;
                }

                var op = r.Operator?.Trim().ToLowerInvariant();
                if (type is not null && (op is null || !RuleOperators.For(type).Contains(op)))
                {
                    Add($"{rat}.operator", $"For a {type} question the operator must be one of: {string.Join(", ", RuleOperators.For(type))}.");
                }
                else if (type is not null && QuestionTypes.IsScale(type) && op is not RuleOperators.Answered and not RuleOperators.NotAnswered)
                {
                    var (min, max) = QuestionTypes.Range(q with { Type = type, Scale = scale });
                    if (r.Score is not { } s || s < min || s > max || s != Math.Floor(s))
                    {
                        Add($"{rat}.score", $"Compare with a whole score from {min} to {max}.");
                    }
                }
                else if (type is not null && QuestionTypes.IsChoice(type) && op is RuleOperators.Chosen or RuleOperators.NotChosen
                    && (r.Option is null || options?.All(o => o.Id != r.Option) != false))
                {
                    Add($"{rat}.option", "Name one of this question's option ids.");
                }

                var action = r.Action?.Trim().ToLowerInvariant();
                if (action is not RuleActions.GoTo and not RuleActions.End)
                {
                    Add($"{rat}.action", "The action must be goto or end.");
                }
                else if (action == RuleActions.GoTo)
                {
                    var target = ids.IndexOf(r.Target ?? "");
                    if (target < 0)
                    {
                        Add($"{rat}.target", "Name the id of the question to go to.");
                    }
                    else if (target <= i)
                    {
                        Add($"{rat}.target", "A rule may only skip forward, to a later question.");
                    }
                }
                else if (r.Target is not null)
                {
                    Add($"{rat}.target", "A rule that ends the survey has no target.");
                }

                normalisedRules.Add(new SkipRule
                {
                    Operator = op,
                    Score = r.Score,
                    Option = r.Option,
                    Action = action,
                    Target = action == RuleActions.GoTo ? r.Target : null,
                });
            }

            normalised.Add(new SurveyQuestion
            {
                Id = id,
                Type = type,
                Required = q.Required,
                Label = Trimmed(q.Label),
                Scale = scale,
                Options = options,
                Rules = normalisedRules.Count > 0 ? normalisedRules : null,
            });
        }

        return (new SurveyDefinition { Languages = languages, DefaultLanguage = defaultLanguage, Questions = normalised }, errors);
    }

    private static void CheckLabels(Labels? labels, List<string> languages, string field, Action<string, string> add)
    {
        foreach (var language in languages)
        {
            if (labels is null || !labels.TryGetValue(language, out var text) || string.IsNullOrWhiteSpace(text))
            {
                add($"{field}.{language}", $"Write the label in {language}.");
            }
            else if (text.Trim().Length > MaxLabelLength)
            {
                add($"{field}.{language}", $"A label may be at most {MaxLabelLength} characters.");
            }
        }

        foreach (var extra in labels?.Keys.Where(k => !languages.Contains(k)) ?? [])
        {
            add($"{field}.{extra}", $"'{extra}' is not one of the survey's languages.");
        }
    }

    private static Labels Trimmed(Labels? labels) =>
        labels is null ? [] : new Labels(labels.ToDictionary(l => l.Key, l => l.Value?.Trim() ?? "", StringComparer.Ordinal));

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
    private static partial Regex LanguagePattern();
}
