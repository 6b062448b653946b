using System.Globalization;
using System.Text.Json;

namespace Obsess.Features.Surveys;

/// <summary>One question's answer: a score, chosen option ids, or text, by the question's type.</summary>
public sealed record SurveyAnswer
{
    public int? Score { get; init; }

    public List<string>? Choices { get; init; }

    public string? Text { get; init; }
}

/// <summary>
/// The pure decisions about answers: parsing one answer against its question, and walking the skip rules to find
/// which questions a respondent sees and whether the response is complete. No I/O, so unit-tested directly.
/// </summary>
public static class SurveyFlow
{
    /// <summary>Reads a JSON answer: a whole number for scales, an option id (single) or array of ids (multiple), a string for text.</summary>
    public static (SurveyAnswer? Answer, string? Error) Parse(SurveyQuestion question, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return (null, null);
        }

        switch (question.Type)
        {
            case var t when QuestionTypes.IsScale(t!):
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var score))
                {
                    return (null, "The answer must be a whole number.");
                }

                return ParseScore(question, score);
            case QuestionTypes.SingleChoice:
                return value.ValueKind == JsonValueKind.String
                    ? ParseChoices(question, [value.GetString()!])
                    : (null, "The answer must be one option id (a string).");
            case QuestionTypes.MultipleChoice:
                if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
                {
                    return (null, "The answer must be an array of option ids.");
                }

                return ParseChoices(question, [.. value.EnumerateArray().Select(e => e.GetString()!)]);
            default:
                return value.ValueKind == JsonValueKind.String
                    ? ParseText(value.GetString()!)
                    : (null, "The answer must be text (a string).");
        }
    }

    /// <summary>Reads an answer from form fields (all strings): the same rules as <see cref="Parse(SurveyQuestion, JsonElement)"/>.</summary>
    public static (SurveyAnswer? Answer, string? Error) Parse(SurveyQuestion question, IReadOnlyList<string> values)
    {
        var given = values.Where(v => !string.IsNullOrEmpty(v)).ToList();
        if (given.Count == 0)
        {
            return (null, null);
        }

        switch (question.Type)
        {
            case var t when QuestionTypes.IsScale(t!):
                return given.Count == 1 && int.TryParse(given[0], NumberStyles.None, CultureInfo.InvariantCulture, out var score)
                    ? ParseScore(question, score)
                    : (null, "Choose one score.");
            case QuestionTypes.SingleChoice:
                return given.Count == 1 ? ParseChoices(question, given) : (null, "Choose one option.");
            case QuestionTypes.MultipleChoice:
                return ParseChoices(question, given);
            default:
                return given.Count == 1 ? ParseText(given[0]) : (null, "Give one text answer.");
        }
    }

    private static (SurveyAnswer?, string?) ParseScore(SurveyQuestion question, int score)
    {
        var (min, max) = QuestionTypes.Range(question);
        return score < min || score > max
            ? (null, $"The score must be from {min} to {max}.")
            : (new SurveyAnswer { Score = score }, null);
    }

    private static (SurveyAnswer?, string?) ParseChoices(SurveyQuestion question, List<string> chosen)
    {
        var known = question.Options?.Select(o => o.Id!).ToHashSet(StringComparer.Ordinal) ?? [];
        var unknown = chosen.FirstOrDefault(c => !known.Contains(c));
        if (unknown is not null)
        {
            return (null, $"'{Shorten(unknown)}' is not an option of this question.");
        }

        if (chosen.Distinct(StringComparer.Ordinal).Count() != chosen.Count)
        {
            return (null, "Each option may be chosen once.");
        }

        // Stored in the question's option order, so the same choice always reads the same.
        var ordered = question.Options!.Select(o => o.Id!).Where(chosen.Contains).ToList();
        return ordered.Count == 0 ? (null, null) : (new SurveyAnswer { Choices = ordered }, null);
    }

    private static (SurveyAnswer?, string?) ParseText(string text)
    {
        if (text.Length > SurveyValidation.MaxTextAnswerLength)
        {
            return (null, $"The answer may be at most {SurveyValidation.MaxTextAnswerLength} characters.");
        }

        var trimmed = text.Trim();
        return trimmed.Length == 0 ? (null, null) : (new SurveyAnswer { Text = trimmed }, null);
    }

    private static string Shorten(string s) => s.Length > 40 ? s[..40] + "…" : s;

    /// <summary>
    /// The questions the respondent sees, in order, given the answers so far: after each question its rules are
    /// tried in order and the first that matches jumps forward or ends the survey; otherwise the next question follows.
    /// </summary>
    public static IReadOnlyList<SurveyQuestion> Path(SurveyDefinition definition, IReadOnlyDictionary<string, SurveyAnswer> answers)
    {
        var path = new List<SurveyQuestion>();
        var questions = definition.Questions;
        var i = 0;
        while (i < questions.Count)
        {
            var q = questions[i];
            path.Add(q);
            answers.TryGetValue(q.Id!, out var answer);
            var rule = q.Rules?.FirstOrDefault(r => Matches(r, answer));
            if (rule is null)
            {
                i++;
            }
            else if (rule.Action == RuleActions.End)
            {
                break;
            }
            else
            {
                var target = questions.FindIndex(x => x.Id == rule.Target);
                // Validation allows forward jumps only; guard anyway so a bad stored definition cannot loop.
                i = target > i ? target : i + 1;
            }
        }

        return path;
    }

    public static bool Matches(SkipRule rule, SurveyAnswer? answer) => rule.Operator switch
    {
        RuleOperators.Answered => answer is not null,
        RuleOperators.NotAnswered => answer is null,
        RuleOperators.Chosen => answer?.Choices?.Contains(rule.Option!) == true,
        RuleOperators.NotChosen => answer?.Choices is { } c && !c.Contains(rule.Option!),
        _ when answer?.Score is null || rule.Score is null => false,
        RuleOperators.Equal => answer.Score == rule.Score,
        RuleOperators.NotEqual => answer.Score != rule.Score,
        RuleOperators.Less => answer.Score < rule.Score,
        RuleOperators.LessOrEqual => answer.Score <= rule.Score,
        RuleOperators.Greater => answer.Score > rule.Score,
        RuleOperators.GreaterOrEqual => answer.Score >= rule.Score,
        _ => false,
    };

    /// <summary>The required questions on the respondent's path that are still unanswered.</summary>
    public static IReadOnlyList<SurveyQuestion> MissingRequired(SurveyDefinition definition, IReadOnlyDictionary<string, SurveyAnswer> answers) =>
        [.. Path(definition, answers).Where(q => q.Required && !answers.ContainsKey(q.Id!))];

    /// <summary>Drops answers to questions the path no longer visits (after an earlier answer changed the route).</summary>
    public static Dictionary<string, SurveyAnswer> OnPath(SurveyDefinition definition, IReadOnlyDictionary<string, SurveyAnswer> answers)
    {
        var path = Path(definition, answers).Select(q => q.Id!).ToHashSet(StringComparer.Ordinal);
        return answers.Where(a => path.Contains(a.Key)).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
    }

    /// <summary>
    /// The next page of the no-JavaScript form: the path's questions after <paramref name="after"/> (from the start
    /// when null), up to and including the first question with skip rules, whose answer decides what comes next.
    /// </summary>
    public static IReadOnlyList<string> NextPage(SurveyDefinition definition, IReadOnlyList<string> path, string? after)
    {
        var start = after is null ? 0 : path.ToList().IndexOf(after) + 1;
        var page = new List<string>();
        for (var i = start; i < path.Count; i++)
        {
            page.Add(path[i]);
            if (definition.Question(path[i])?.Rules is { Count: > 0 })
            {
                break;
            }
        }

        return page;
    }
}
