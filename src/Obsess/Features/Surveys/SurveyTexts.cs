namespace Obsess.Features.Surveys;

/// <summary>
/// The respondent-facing words around the questions (buttons, hints, the thank-you page) in a few languages; the
/// questions themselves are written per language by the survey's author. Unknown languages read English.
/// </summary>
public static class SurveyTexts
{
    private static readonly Dictionary<string, Dictionary<string, string>> Table = new(StringComparer.OrdinalIgnoreCase)
    {
        ["en"] = new()
        {
            ["next"] = "Next",
            ["submit"] = "Submit",
            ["required"] = "required",
            ["thanks"] = "Thank you!",
            ["thanks.detail"] = "Your answers are saved.",
            ["closed"] = "This survey is closed and no longer takes answers.",
            ["notfound"] = "This survey does not exist. Check the link.",
            ["errors"] = "Please check your answers:",
            ["needed"] = "This question needs an answer.",
            ["low"] = "lowest",
            ["high"] = "highest",
            ["maxlength"] = "At most {0} characters.",
            ["throttled"] = "Too many answers from this address. Wait a minute and try again.",
            ["language"] = "Language",
        },
        ["de"] = new()
        {
            ["next"] = "Weiter",
            ["submit"] = "Absenden",
            ["required"] = "Pflichtfrage",
            ["thanks"] = "Vielen Dank!",
            ["thanks.detail"] = "Ihre Antworten sind gespeichert.",
            ["closed"] = "Diese Umfrage ist beendet und nimmt keine Antworten mehr an.",
            ["notfound"] = "Diese Umfrage gibt es nicht. Bitte prüfen Sie den Link.",
            ["errors"] = "Bitte prüfen Sie Ihre Antworten:",
            ["needed"] = "Diese Frage braucht eine Antwort.",
            ["low"] = "niedrigster Wert",
            ["high"] = "höchster Wert",
            ["maxlength"] = "Höchstens {0} Zeichen.",
            ["throttled"] = "Zu viele Antworten von dieser Adresse. Bitte warten Sie eine Minute.",
            ["language"] = "Sprache",
        },
        ["fr"] = new()
        {
            ["next"] = "Suivant",
            ["submit"] = "Envoyer",
            ["required"] = "obligatoire",
            ["thanks"] = "Merci !",
            ["thanks.detail"] = "Vos réponses sont enregistrées.",
            ["closed"] = "Cette enquête est close et ne reçoit plus de réponses.",
            ["notfound"] = "Cette enquête n'existe pas. Vérifiez le lien.",
            ["errors"] = "Veuillez vérifier vos réponses :",
            ["needed"] = "Cette question demande une réponse.",
            ["low"] = "le plus bas",
            ["high"] = "le plus haut",
            ["maxlength"] = "{0} caractères au plus.",
            ["throttled"] = "Trop de réponses depuis cette adresse. Réessayez dans une minute.",
            ["language"] = "Langue",
        },
        ["es"] = new()
        {
            ["next"] = "Siguiente",
            ["submit"] = "Enviar",
            ["required"] = "obligatoria",
            ["thanks"] = "¡Gracias!",
            ["thanks.detail"] = "Sus respuestas se han guardado.",
            ["closed"] = "Esta encuesta está cerrada y ya no acepta respuestas.",
            ["notfound"] = "Esta encuesta no existe. Compruebe el enlace.",
            ["errors"] = "Revise sus respuestas:",
            ["needed"] = "Esta pregunta necesita una respuesta.",
            ["low"] = "mínimo",
            ["high"] = "máximo",
            ["maxlength"] = "Como máximo {0} caracteres.",
            ["throttled"] = "Demasiadas respuestas desde esta dirección. Espere un minuto.",
            ["language"] = "Idioma",
        },
    };

    public static string Get(string language, string key)
    {
        var table = Table.GetValueOrDefault(language) ?? Table.GetValueOrDefault(language.Split('-')[0]) ?? Table["en"];
        return table.GetValueOrDefault(key) ?? Table["en"][key];
    }

    /// <summary>A language code's own name where we know it, for the language switcher.</summary>
    public static string NameOf(string language) => language.Split('-')[0].ToLowerInvariant() switch
    {
        "en" => "English",
        "de" => "Deutsch",
        "fr" => "Français",
        "es" => "Español",
        "nl" => "Nederlands",
        "it" => "Italiano",
        "pt" => "Português",
        _ => language,
    };
}
