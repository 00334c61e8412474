# expect: shared-wikidata-item-violation.rq check https://w3id.org/nekg/id/region/china
PREFIX nekg: <https://w3id.org/nekg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT DATA { <https://w3id.org/nekg/id/region/prc> a nekg:Country ; rdfs:label "PRC"@en ; skos:exactMatch <http://www.wikidata.org/entity/Q148> . }
