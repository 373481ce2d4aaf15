using System.Globalization;
using System.Text;

namespace FedFace.Aggregator;

/// <summary>
/// Text a site chose (a decline reason, a tensor name echoed in a rejection) made safe to log: a site must not be able to
/// forge log lines with newlines, clear an operator's terminal with ANSI escapes, reorder a line with bidi overrides, or
/// flood the log. Every control, format and line-breaking character becomes a visible \uXXXX escape, and long text is cut.
/// </summary>
public static class SiteText
{
    /// <summary>Default cap on what one site-supplied string may add to a log line.</summary>
    public const int DefaultMaxLength = 200;

    private const string CutMark = "…";

    public static string ForLog(string? text, int maxLength = DefaultMaxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }
        var safe = new StringBuilder(Math.Min(text.Length, maxLength) + CutMark.Length);
        for (int i = 0; i < text.Length; i++)
        {
            string piece = PieceAt(text, i, out bool pair);
            if (safe.Length + piece.Length > maxLength)
            {
                return safe.Append(CutMark).ToString();
            }
            safe.Append(piece);
            if (pair)
            {
                i++;
            }
        }
        return safe.ToString();
    }

    /// <summary>The character at <paramref name="index"/> as it may be logged: itself, its surrogate pair, or an escape.</summary>
    private static string PieceAt(string text, int index, out bool pair)
    {
        char c = text[index];
        pair = char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]);
        if (pair)
        {
            return Rune.GetUnicodeCategory(new Rune(c, text[index + 1])) is UnicodeCategory.Format or UnicodeCategory.PrivateUse
                ? Escape(char.ConvertToUtf32(c, text[index + 1]))
                : text.Substring(index, 2);
        }
        return IsUnsafe(c) ? Escape(c) : c.ToString();
    }

    private static bool IsUnsafe(char c) => CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Control // C0, DEL, C1 (ESC, CSI, NEL)
        or UnicodeCategory.Format // bidi embeddings/overrides/isolates, zero-width characters
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
        or UnicodeCategory.Surrogate // an unpaired half
        or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;

    private static string Escape(int codePoint) => codePoint <= 0xFFFF ? $"\\u{codePoint:X4}" : $"\\U{codePoint:X8}";
}
