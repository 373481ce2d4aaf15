using System.Text;

namespace FedFace.CommandLine;

/// <summary>How a settings key reads as a flag: <c>SecureAggregation:DropoutTolerance</c> is <c>--secure-aggregation-dropout-tolerance</c>.</summary>
public static class FlagNames
{
    /// <summary>The kebab-case flag (with its leading dashes) for <paramref name="key"/>, a key relative to the program's section.</summary>
    public static string Of(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var flag = new StringBuilder("--");
        foreach (string segment in key.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (flag.Length > 2)
            {
                flag.Append('-');
            }
            AppendKebab(segment, flag);
        }
        return flag.ToString();
    }

    /// <summary>A word starts at an upper-case letter after a lower-case letter or digit, or before a lower-case one in a run of capitals (ONNXModel: onnx-model).</summary>
    private static void AppendKebab(string word, StringBuilder flag)
    {
        for (int i = 0; i < word.Length; i++)
        {
            char c = word[i];
            bool wordStart = i > 0 && char.IsUpper(c)
                && (char.IsLower(word[i - 1]) || char.IsDigit(word[i - 1]) || (i + 1 < word.Length && char.IsLower(word[i + 1]) && char.IsUpper(word[i - 1])));
            if (wordStart)
            {
                flag.Append('-');
            }
            flag.Append(char.ToLowerInvariant(c));
        }
    }
}
