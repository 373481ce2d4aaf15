namespace FedFace.Aggregator.Tests;

public sealed class SiteTextTests
{
    [Theory]
    [InlineData("line\nforged", "line\\u000Aforged")]
    [InlineData("\u001b[2Jcleared", "\\u001B[2Jcleared")]
    [InlineData("a\u0085b\u009bc", "a\\u0085b\\u009Bc")] // C1: next line, CSI
    [InlineData("x\u2028y\u2029z", "x\\u2028y\\u2029z")]
    [InlineData("\u202etxt.exe\u2066", "\\u202Etxt.exe\\u2066")] // bidi override and isolate
    [InlineData("zero\u200bwidth", "zero\\u200Bwidth")]
    [InlineData("Größe 😀 ok", "Größe 😀 ok")]
    public void Control_format_and_line_breaking_characters_become_visible_escapes(string text, string logged) =>
        Assert.Equal(logged, SiteText.ForLog(text));

    [Fact]
    public void Long_text_is_cut_with_a_mark_and_never_splits_a_surrogate_pair_or_an_escape()
    {
        Assert.Equal("abcde…", SiteText.ForLog("abcdefgh", maxLength: 5));
        Assert.Equal("abcd…", SiteText.ForLog("abcd😀", maxLength: 5));
        Assert.Equal("ab…", SiteText.ForLog("ab\ncd", maxLength: 5));
        Assert.Equal("", SiteText.ForLog(null));
    }

    [Fact]
    public void An_unpaired_surrogate_becomes_an_escape() => Assert.Equal("half \\uD800 pair", SiteText.ForLog("half \ud800 pair"));
}
