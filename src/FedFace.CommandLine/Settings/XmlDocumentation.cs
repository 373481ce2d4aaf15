using System.Reflection;
using System.Text;
using System.Xml.Linq;

namespace FedFace.CommandLine.Settings;

/// <summary>
/// The summaries of an assembly's XML documentation file (GenerateDocumentationFile, next to the assembly), as plain
/// one-line text: what the configuration reference and every program's --help say a setting means. The file ships with
/// the program (the SDK copies and publishes referenced projects' XML files), so --help reads the same comments the
/// reference is generated from; the reference's test pins the descriptions, so a build that lost the file fails there.
/// </summary>
public sealed class XmlDocumentation
{
    private readonly Dictionary<string, XElement> _members;

    private XmlDocumentation(Dictionary<string, XElement> members) => _members = members;

    private static readonly Dictionary<Assembly, XmlDocumentation> Loaded = [];

    public static XmlDocumentation For(Assembly assembly)
    {
        lock (Loaded)
        {
            if (!Loaded.TryGetValue(assembly, out XmlDocumentation? documentation))
            {
                string path = Path.ChangeExtension(assembly.Location, ".xml");
                // Without the file (a single-file or trimmed publish may drop it) --help still lists every flag, undescribed.
                documentation = new XmlDocumentation(!File.Exists(path) ? []
                    : XDocument.Load(path).Descendants("member").ToDictionary(m => (string)m.Attribute("name")!, m => m));
                Loaded[assembly] = documentation;
            }
            return documentation;
        }
    }

    public static string? Summary(PropertyInfo property) =>
        For(property.DeclaringType!.Assembly).SummaryOf($"P:{DocumentationName(property.DeclaringType!)}.{property.Name}");

    public static string? Summary(Type type) => For(type.Assembly).SummaryOf($"T:{DocumentationName(type)}");

    private string? SummaryOf(string memberName) =>
        _members.TryGetValue(memberName, out XElement? member) && member.Element("summary") is { } summary
            ? OneLine(summary)
            : null;

    /// <summary>Nested types are separated by '.' in documentation ids, by '+' in reflection's names.</summary>
    private static string DocumentationName(Type type) => type.FullName!.Replace('+', '.');

    private static string OneLine(XElement element)
    {
        var text = new StringBuilder();
        Append(element, text);
        return string.Join(' ', text.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    private static void Append(XElement element, StringBuilder text)
    {
        foreach (XNode node in element.Nodes())
        {
            switch (node)
            {
                case XText plain:
                    text.Append(plain.Value);
                    break;
                case XElement { Name.LocalName: "see" or "seealso" } reference:
                    text.Append('`').Append(ReferenceName(reference)).Append('`');
                    break;
                case XElement { Name.LocalName: "paramref" or "typeparamref" } parameter:
                    text.Append('`').Append((string?)parameter.Attribute("name")).Append('`');
                    break;
                case XElement { Name.LocalName: "c" } code:
                    text.Append('`').Append(code.Value).Append('`');
                    break;
                case XElement other:
                    text.Append(' ');
                    Append(other, text);
                    text.Append(' ');
                    break;
            }
        }
    }

    /// <summary>"P:FedFace.Aggregator.AggregatorOptions.MinSites" reads as MinSites; a langword as itself.</summary>
    private static string ReferenceName(XElement reference)
    {
        if ((string?)reference.Attribute("langword") is { } word)
        {
            return word;
        }
        string id = (string?)reference.Attribute("cref") ?? reference.Value;
        int parameters = id.IndexOf('(');
        if (parameters >= 0)
        {
            id = id[..parameters];
        }
        return id[(id.LastIndexOfAny([':', '.']) + 1)..];
    }
}
