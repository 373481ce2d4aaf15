namespace FedFace.Cli.Tests;

public sealed class SummaryTableTests
{
    [Fact]
    public void FormatAlignsLabelsLeftAndValuesRight()
    {
        string table = SummaryTable.Format("heading", [("people", "3"), ("photos used", "1,204")]);

        Assert.Equal("heading\n  people           3\n  photos used  1,204\n", table.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void GridKeepsEveryColumnAligned()
    {
        string grid = SummaryTable.Grid("All pairs", ["FAR", "TAR", "false accepts"], [["1e-3", "99.08%", "87,307"], ["1e-6", "84.72%", "87"]]);

        Assert.Equal("All pairs\n  FAR      TAR  false accepts\n  1e-3  99.08%         87,307\n  1e-6  84.72%             87\n", grid.ReplaceLineEndings("\n"));
    }
}
