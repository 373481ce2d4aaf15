namespace FedFace.CommandLine.Tests;

public sealed class FlagNamesAndSuggestionsTests
{
    [Theory]
    [InlineData("MinSites", "--min-sites")]
    [InlineData("SecureAggregation:DropoutTolerance", "--secure-aggregation-dropout-tolerance")]
    [InlineData("ONNXModelPath", "--onnx-model-path")]
    [InlineData("ServerBeta1", "--server-beta1")]
    [InlineData("E1Report", "--e1-report")]
    public void A_settings_key_reads_as_a_kebab_case_flag(string key, string flag) => Assert.Equal(flag, FlagNames.Of(key));

    [Theory]
    [InlineData("--min-site", "--min-sites")]
    [InlineData("--MIN-SITES", "--min-sites")]
    [InlineData("Sample:MinSitez", "Sample:MinSites")]
    [InlineData("--bogus-flag", null)]
    [InlineData("Sample:Bogus", null)]
    public void A_typo_finds_the_name_meant_and_a_made_up_name_finds_none(string typed, string? expected) =>
        Assert.Equal(expected, Suggestions.Closest(typed, ["--min-sites", "--max-sites", "--port", "Sample:MinSites", "Sample:Port"]));

    [Fact]
    public void Of_equally_near_names_the_first_listed_is_suggested() =>
        Assert.Equal("--sites", Suggestions.Closest("--sitez", ["--sites", "--Sites"]));
}
