using System.Globalization;
using System.Text;

namespace FedFace.Cli;

/// <summary>How every command prints its totals: a heading, then labels and right-aligned values in two columns.</summary>
public static class SummaryTable
{
    public static string Format(string heading, IReadOnlyList<(string Label, string Value)> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var table = new StringBuilder();
        table.AppendLine(heading);
        if (rows.Count == 0)
        {
            return table.ToString();
        }
        int labelWidth = rows.Max(r => r.Label.Length), valueWidth = rows.Max(r => r.Value.Length);
        foreach ((string label, string value) in rows)
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"  {label.PadRight(labelWidth)}  {value.PadLeft(valueWidth)}");
        }
        return table.ToString();
    }

    /// <summary>A heading, then a header row and rows in columns: the first left-aligned, the others right-aligned.</summary>
    public static string Grid(string heading, IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        IReadOnlyList<string>[] lines = [columns, .. rows];
        int[] widths = [.. columns.Select((_, c) => lines.Max(line => line[c].Length))];
        var table = new StringBuilder();
        table.AppendLine(heading);
        foreach (IReadOnlyList<string> line in lines)
        {
            IEnumerable<string> cells = line.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]));
            table.AppendLine("  " + string.Join("  ", cells).TrimEnd());
        }
        return table.ToString();
    }

    public static string Count(int n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public static string Percent(double fraction) => (100 * fraction).ToString("F2", CultureInfo.InvariantCulture) + "%";
}
