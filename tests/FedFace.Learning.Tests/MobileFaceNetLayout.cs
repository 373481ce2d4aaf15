namespace FedFace.Learning.Tests;

/// <summary>
/// How names in foamliu's exported ONNX graph map onto our modules. The exporter names a node after the module
/// scopes it ran in, e.g. "/features/features.0/conv/conv.0/conv.0.0/Conv": each scope repeats its parent's name as a
/// prefix, so the module path is features.0.conv.0.0. A module called twice gets "_1" on its second node
/// ("/dw_conv/relu_1/Relu"). The ONNX file folds each BatchNorm into the convolution before it; here they are apart.
/// </summary>
internal static class MobileFaceNetLayout
{
    /// <summary>"/features/features.0/conv/conv.0/conv.0.0/Conv" → "features.0.conv.0.0".</summary>
    public static string ModulePath(string nodeName)
    {
        string[] scopes = nodeName.Split('/', StringSplitOptions.RemoveEmptyEntries)[..^1]; // the last part is the op
        string path = "";
        string parent = "";
        foreach (string raw in scopes)
        {
            string scope = System.Text.RegularExpressions.Regex.Replace(raw, "_[0-9]+$", ""); // a repeated call
            path += parent.Length > 0 && scope.StartsWith(parent + ".", StringComparison.Ordinal)
                ? scope[parent.Length..]
                : (path.Length > 0 ? "." : "") + scope;
            parent = scope;
        }
        return path;
    }

    /// <summary>The BatchNorm that follows a convolution in our model (and was folded into it in the ONNX file).</summary>
    public static string BatchNormAfter(string convPath) => convPath switch
    {
        "dw_conv.depthwise" => "dw_conv.bn1",
        "dw_conv.pointwise" => "dw_conv.bn2",
        "gdconv.depthwise" => "gdconv.bn",
        "conv3" => "bn",
        _ when convPath.EndsWith(".conv.2", StringComparison.Ordinal) => convPath[..^1] + "3", // bottleneck projection
        _ when convPath.EndsWith(".0", StringComparison.Ordinal) => convPath[..^1] + "1",      // ConvBNReLU
        _ => throw new ArgumentException($"no BatchNorm known after '{convPath}'"),
    };
}
