using System.Globalization;

namespace FedFace.Evaluation;

/// <summary>
/// Reads <c>lfw-pairs.txt</c> (LFW View 2): a header "folds pairsPerFold" (10 300), then per fold pairsPerFold
/// matched pairs "name i j" followed by pairsPerFold mismatched pairs "name1 i name2 j". Folds are numbered from 1.
/// </summary>
public static class LfwPairsFile
{
    public static IReadOnlyList<LfwPair> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // Blank lines carry nothing; keep the real line numbers for the messages.
        var lines = File.ReadLines(path)
            .Select((text, index) => (Number: index + 1, Fields: text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)))
            .Where(line => line.Fields.Length > 0);
        using var reader = lines.GetEnumerator();

        (int number, string[] header) = Next("the header 'folds pairsPerFold'");
        if (header.Length != 2 || !TryPositive(header[0], out int folds) || !TryPositive(header[1], out int perFold))
        {
            throw Malformed(number, "the header should be two positive numbers 'folds pairsPerFold' (e.g. '10 300')", header);
        }

        var pairs = new List<LfwPair>(folds * perFold * 2);
        for (int fold = 1; fold <= folds; fold++)
        {
            for (int k = 1; k <= perFold; k++)
            {
                string expected = $"matched pair {k} of fold {fold} as 'name i j'";
                (number, string[] f) = Next(expected);
                if (f.Length != 3 || !TryPositive(f[1], out int i) || !TryPositive(f[2], out int j))
                {
                    throw Malformed(number, $"expected {expected}", f);
                }
                pairs.Add(new LfwPair(f[0], i, f[0], j, fold));
            }
            for (int k = 1; k <= perFold; k++)
            {
                string expected = $"mismatched pair {k} of fold {fold} as 'name1 i name2 j'";
                (number, string[] f) = Next(expected);
                if (f.Length != 4 || !TryPositive(f[1], out int i) || !TryPositive(f[3], out int j) || f[0] == f[2])
                {
                    throw Malformed(number, $"expected {expected} with two different names", f);
                }
                pairs.Add(new LfwPair(f[0], i, f[2], j, fold));
            }
        }
        if (reader.MoveNext())
        {
            throw Malformed(reader.Current.Number, $"expected the end of the file after {folds} folds of {perFold}+{perFold} pairs", reader.Current.Fields);
        }
        return pairs;

        (int Number, string[] Fields) Next(string expected) => reader.MoveNext()
            ? reader.Current
            : throw new FormatException($"{path}: the file ends where {expected} should be");

        FormatException Malformed(int line, string problem, string[] fields) =>
            new($"{path}:{line}: {problem}, got '{string.Join(' ', fields)}'");
    }

    private static bool TryPositive(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;
}
