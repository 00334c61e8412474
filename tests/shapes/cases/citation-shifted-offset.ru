# expect: ArchivedDocumentShape SPARQLConstraintComponent https://w3id.org/nekg/id/document/test
PREFIX nekg: <https://w3id.org/nekg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX id: <https://w3id.org/nekg/id/>
DELETE WHERE { <https://w3id.org/nekg/id/citation/projects#position> oa:start ?s ; oa:end ?e . } ;
INSERT DATA { <https://w3id.org/nekg/id/citation/projects#position> oa:start "15"^^xsd:nonNegativeInteger ; oa:end "61"^^xsd:nonNegativeInteger . }
