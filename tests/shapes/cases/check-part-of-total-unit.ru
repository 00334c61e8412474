# expect: part-of-total-unit-violation.rq check https://w3id.org/nekg/id/claim/projects
PREFIX nekg: <https://w3id.org/nekg/ontology#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
DELETE WHERE { <https://w3id.org/nekg/id/claim/projects-total> nekg:unit ?unit . } ;
INSERT DATA {
    <https://w3id.org/nekg/id/unit/item> a nekg:Unit ; rdfs:label "item"@en .
    <https://w3id.org/nekg/id/claim/projects-total> nekg:unit <https://w3id.org/nekg/id/unit/item> .
}
